package dev.mailfilter;

import static dev.mailfilter.testing.TestCheck.fixed;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.net.InetAddresses;
import dev.mailfilter.api.Action;
import dev.mailfilter.api.Connection;
import dev.mailfilter.api.Decision;
import dev.mailfilter.api.FilterSession;
import dev.mailfilter.api.Stage;
import dev.mailfilter.api.Symbol;
import dev.mailfilter.api.VerdictScope;
import dev.mailfilter.spi.Check;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.SymbolDef;
import dev.mailfilter.spi.VerdictObserver;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** A check that observes verdicts sees every outcome of the verdict log, refusals included. */
class VerdictObserverTest {
  private static final byte[] MESSAGE =
      "From: a@sender.example\r\nSubject: offer\r\n\r\nbody\r\n"
          .getBytes(StandardCharsets.US_ASCII);

  private static final class Recorder implements Check, VerdictObserver {
    final List<Outcome> seen = new CopyOnWriteArrayList<>();

    @Override
    public String name() {
      return "recorder";
    }

    @Override
    public Stage stage() {
      return Stage.DATA;
    }

    @Override
    public List<SymbolDef> symbols() {
      return List.of();
    }

    @Override
    public boolean blocking() {
      return false;
    }

    @Override
    public void run(CheckContext ctx) {}

    @Override
    public void observed(Outcome outcome) {
      seen.add(outcome);
    }
  }

  private static MailFilter filter(Recorder r) {
    FilterConfig config =
        FilterConfig.builder()
            .set("checks.headers.enabled", false)
            .set("checks.sender.enabled", false)
            .set("checks.subject.enabled", false)
            .yaml(
                """
                tenants:
                  resellers:
                    acme:
                      customers:
                        bakery:
                          domains:
                            bakery.example:
                              users: {boss: {}}
                domains: {}
                lists: {block: {senders: [bad@spam.example]}}
                """)
            .build();
    return MailFilter.builder()
        .config(config)
        .addCheck(fixed("probe", Stage.DATA, "PROBE", 7.5))
        .addCheck(r)
        .build();
  }

  @Test
  void verdictOutcomeCarriesEnvelopeTenantActionAndSymbols() {
    Recorder r = new Recorder();
    try (MailFilter f = filter(r);
        FilterSession s =
            f.open(
                Connection.of(InetAddresses.forString("81.2.69.142"), 4000, null),
                VerdictScope.ONE_GROUP_PER_TRANSACTION)) {
      s.helo("mx.sender.example");
      s.mailFrom("<a@sender.example>", Map.of());
      assertThat(s.rcptTo("<boss@bakery.example>").refused()).isFalse();
      s.queueId("Q123");
      s.append(MESSAGE, 0, MESSAGE.length);
      s.endOfData();
    }
    assertThat(r.seen).hasSize(1);
    VerdictObserver.Outcome o = r.seen.get(0);
    assertThat(o.beforeData()).isFalse();
    assertThat(o.connection().clientAddress().getHostAddress()).isEqualTo("81.2.69.142");
    assertThat(o.queueId()).contains("Q123");
    assertThat(o.sender()).isEqualTo("a@sender.example");
    assertThat(o.recipients()).containsExactly("boss@bakery.example");
    // The domain's tenant, not the user's: the level a customer owns.
    assertThat(o.tenants()).containsExactly("acme/bakery/bakery.example");
    assertThat(o.symbols()).extracting(Symbol::name).contains("PROBE");
    assertThat(o.score())
        .isEqualTo(o.symbols().stream().mapToDouble(Symbol::score).sum())
        .isGreaterThanOrEqualTo(7.5);
    assertThat(o.action()).isNotEqualTo(Action.TEMPFAIL);
  }

  @Test
  void refusalBeforeDataIsObservedToo() {
    Recorder r = new Recorder();
    try (MailFilter f = filter(r);
        FilterSession s = f.open(Connection.of(InetAddresses.forString("216.160.83.56")))) {
      s.helo("spammer");
      Decision d = s.mailFrom("bad@spam.example", Map.of());
      assertThat(d.refused()).isTrue();
    }
    assertThat(r.seen).hasSize(1);
    VerdictObserver.Outcome o = r.seen.get(0);
    assertThat(o.beforeData()).isTrue();
    assertThat(o.action()).isEqualTo(Action.REJECT);
    assertThat(o.sender()).isEqualTo("bad@spam.example");
    assertThat(o.symbols()).extracting(Symbol::name).containsExactly("BLOCKLIST_SENDER");
  }
}
