package dev.mailfilter.checks;

import dev.mailfilter.api.Action;
import dev.mailfilter.api.Stage;
import dev.mailfilter.mime.ByteView;
import dev.mailfilter.spi.Check;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.CheckSetup;
import dev.mailfilter.spi.SymbolDef;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * SpamAssassin's Generic Test for Unsolicited Bulk Email: a fixed string in the message that marks
 * it as spam, so that admins can test the whole path. Searched in the raw bytes (SpamAssassin and
 * Rspamd search the decoded body; a test message sends it in plain text anyway). Like Rspamd, the
 * hit forces {@code reject} unless {@code action} says otherwise.
 */
public final class GtubeCheck implements Check {
  /** The GTUBE string from SpamAssassin's documentation. */
  static final byte[] GTUBE =
      "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
          .getBytes(StandardCharsets.US_ASCII);

  private static final List<SymbolDef> SYMBOLS =
      List.of(SymbolDef.of("GTUBE", 1000, "the GTUBE test string is in the message"));

  private final Action action;

  private GtubeCheck(Action action) {
    this.action = action;
  }

  /**
   * Factory for {@code checks.gtube}: option {@code action} (default reject; accept = score only).
   */
  public static GtubeCheck create(CheckSetup setup) {
    Action a = setup.options().enumValue("action", Action.class, Action.REJECT);
    return new GtubeCheck(a);
  }

  @Override
  public String name() {
    return "gtube";
  }

  @Override
  public Stage stage() {
    return Stage.DATA;
  }

  @Override
  public List<SymbolDef> symbols() {
    return SYMBOLS;
  }

  @Override
  public void run(CheckContext ctx) {
    if (ctx.rawBytes().indexOf(GTUBE) >= 0) {
      ctx.addSymbol("GTUBE");
      if (action != Action.ACCEPT) {
        ctx.forceAction(action, "GTUBE test message");
      }
    }
  }

  /** The index of {@code needle} in {@code haystack}, or -1 ({@link ByteView#indexOf}). */
  static int indexOf(byte[] haystack, byte[] needle) {
    return ByteView.of(haystack, 0, haystack.length).indexOf(needle);
  }

  /** Computes only (local work bounded by the message): runs on the stage's calling thread. */
  @Override
  public boolean blocking() {
    return false;
  }
}
