package dev.mailfilter.checks;

import dev.mailfilter.api.Stage;
import dev.mailfilter.mime.EncodedWords;
import dev.mailfilter.mime.HeaderField;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.CheckSetup;
import dev.mailfilter.spi.SymbolDef;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * RFC 2047 encoded words used to hide text from filters rather than to carry non-ASCII text: plain
 * ASCII encoded anyway, several charsets mixed in one field, or a field cut into many words
 * (Rspamd's SUBJ_EXCESS_BASE64 / FROM_EXCESS_QP family). Looks at Subject, From, To, Reply-To.
 */
public final class EncodedWordCheck extends LocalCheck {
  private static final List<SymbolDef> SYMBOLS =
      List.of(
          SymbolDef.of(
              "ENCODED_WORD_ABUSE",
              1.5,
              "encoded words hide plain ASCII, mix charsets or are excessive"));

  private static final List<String> FIELDS = List.of("Subject", "From", "To", "Reply-To");
  private static final Pattern WORD = Pattern.compile("=\\?([^?\\s]+)\\?([bBqQ])\\?([^?\\s]*)\\?=");

  private final int maxWords;

  private EncodedWordCheck(int maxWords) {
    super("encoded_words", Stage.HEADERS, SYMBOLS);
    this.maxWords = maxWords;
  }

  /** Factory for {@code checks.encoded_words}: option {@code max_words}. */
  public static EncodedWordCheck create(CheckSetup setup) {
    return new EncodedWordCheck((int) setup.options().integer("max_words", 12, 1, 10_000));
  }

  @Override
  public void run(CheckContext ctx) {
    for (String name : FIELDS) {
      for (HeaderField f : ctx.message().headers().all(name)) {
        String v = f.value();
        Matcher m = WORD.matcher(v);
        int words = 0;
        boolean allAscii = true;
        int letters = 0;
        Set<String> charsets = new HashSet<>();
        while (m.find()) {
          words++;
          String cs = m.group(1).toLowerCase(Locale.ROOT);
          int star = cs.indexOf('*'); // RFC 2231 language tag
          charsets.add(star < 0 ? cs : cs.substring(0, star));
          String decoded = EncodedWords.decode(m.group(), d -> {});
          // Punctuation and spaces are legitimately encoded in Q; letters need no encoding.
          allAscii &= decoded.chars().allMatch(c -> c < 0x80) && !decoded.equals(m.group());
          letters += asciiLetters(decoded);
        }
        if (words == 0) {
          continue;
        }
        if (allAscii && letters >= 3) {
          ctx.addSymbol("ENCODED_WORD_ABUSE", name + ": ASCII encoded");
        } else if (charsets.size() > 1) {
          ctx.addSymbol("ENCODED_WORD_ABUSE", name + ": charsets " + charsets.size());
        } else if (words > maxWords) {
          ctx.addSymbol("ENCODED_WORD_ABUSE", name + ": " + words + " words");
        }
      }
    }
  }

  private static int asciiLetters(String decoded) {
    int n = 0;
    for (int i = 0; i < decoded.length(); i++) {
      char c = decoded.charAt(i);
      if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
        n++;
      }
    }
    return n;
  }
}
