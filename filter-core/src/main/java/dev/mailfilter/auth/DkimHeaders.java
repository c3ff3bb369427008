package dev.mailfilter.auth;

import dev.mailfilter.mime.HeaderField;
import dev.mailfilter.mime.ParsedMessage;
import java.util.ArrayList;
import java.util.List;

/**
 * The message's header fields as DKIM signs them: raw text with the folding as received, one char
 * per octet, and the {@code h=} selection of RFC 6376 section 5.4.2.
 */
final class DkimHeaders {
  private DkimHeaders() {}

  /**
   * The top-level header fields in order, each as received without its final line break (the parser
   * keeps each field's exact bytes).
   */
  static List<String> rawFields(ParsedMessage message) {
    List<String> out = new ArrayList<>(message.headers().size());
    for (HeaderField f : message.headers()) {
      out.add(stripLineEnd(f.rawField().latin1()));
    }
    return out;
  }

  static String stripLineEnd(String field) {
    int end = field.length();
    if (end > 0 && field.charAt(end - 1) == '\n') {
      end--;
      if (end > 0 && field.charAt(end - 1) == '\r') {
        end--;
      }
    }
    return field.substring(0, end);
  }

  /** The field's name: the text before the colon without trailing white space. */
  static String name(String rawField) {
    int colon = rawField.indexOf(':');
    String n = colon < 0 ? rawField : rawField.substring(0, colon);
    return TagList.strip(n);
  }

  /**
   * The fields {@code names} select, in the order of {@code names}: each name takes the next
   * instance of that field from the bottom of the header not taken yet; a name with none left
   * contributes nothing (section 5.4.2, which is how a signer protects against added instances).
   */
  static List<String> select(List<String> fields, List<String> names) {
    boolean[] used = new boolean[fields.size()];
    List<String> out = new ArrayList<>(names.size());
    for (String want : names) {
      for (int i = fields.size() - 1; i >= 0; i--) {
        if (!used[i] && name(fields.get(i)).equalsIgnoreCase(want)) {
          used[i] = true;
          out.add(fields.get(i));
          break;
        }
      }
    }
    return out;
  }
}
