package dev.mailfilter.auth;

import dev.mailfilter.mime.HeaderField;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ARC sets of a header block grouped by instance, with the structure rules of RFC 8617 section
 * 4.1 and 5.2 step 2 checked: every ARC field carries a valid {@code i=} of 1 to 50, each instance
 * has exactly one of each of the three fields, and the instances run 1..N without a gap. Tag values
 * are not judged here (the verifier does that per field), only parsed.
 *
 * @param sets the sets, {@code i=1} first; empty when the message has no ARC field
 * @param failure why the chain is structurally broken; empty when it is not
 */
record ArcChain(List<ArcSet> sets, Optional<String> failure) {
  /** The most instances RFC 8617 section 4.2.1 allows. */
  static final int MAX_INSTANCES = 50;

  static final String AAR = "ARC-Authentication-Results";
  static final String AMS = "ARC-Message-Signature";
  static final String SEAL = "ARC-Seal";

  // RFC 8617 section 4.1.1: the AAR is "i=" instance ";" then an A-R payload; CFWS allowed around.
  private static final Pattern AAR_INSTANCE =
      Pattern.compile(
          "[ \\t\\r\\n]*i[ \\t\\r\\n]*=[ \\t\\r\\n]*([0-9]{1,2})[ \\t\\r\\n]*;(.*)",
          Pattern.DOTALL);
  private static final Pattern INSTANCE = Pattern.compile("[0-9]{1,2}");

  ArcChain {
    sets = List.copyOf(sets);
  }

  /**
   * One instance's three fields.
   *
   * @param authResults the AAR payload after {@code i=N;}, unfolded and trimmed
   */
  record ArcSet(
      int instance,
      HeaderField aar,
      String authResults,
      HeaderField ams,
      Map<String, String> amsTags,
      HeaderField seal,
      Map<String, String> sealTags) {}

  /** Groups the ARC fields of {@code headers} (in message order, top first). */
  static ArcChain of(List<HeaderField> headers) {
    HeaderField[][] byInstance = new HeaderField[MAX_INSTANCES + 1][3];
    List<Map<Integer, Map<String, String>>> tags = List.of(new HashMap<>(), new HashMap<>());
    String[] payloads = new String[MAX_INSTANCES + 1];
    int max = 0;
    int count = 0;
    for (HeaderField f : headers) {
      int kind = f.is(AAR) ? 0 : f.is(AMS) ? 1 : f.is(SEAL) ? 2 : -1;
      if (kind < 0) {
        continue;
      }
      count++;
      int instance;
      if (kind == 0) {
        Matcher m = AAR_INSTANCE.matcher(f.value());
        if (!m.matches()) {
          return broken("AAR without a leading i= tag: " + abbreviate(f.value()));
        }
        instance = Integer.parseInt(m.group(1));
        if (instance >= 1 && instance <= MAX_INSTANCES) {
          payloads[instance] = m.group(2).strip();
        }
      } else {
        Map<String, String> t;
        try {
          t = TagList.parse(f.value());
        } catch (DkimException e) {
          return broken(f.name() + " has a bad tag list: " + e.getMessage());
        }
        String i = t.get("i");
        if (i == null || !INSTANCE.matcher(i).matches()) {
          return broken(f.name() + " without a valid i= tag: " + (i == null ? "none" : "i=" + i));
        }
        instance = Integer.parseInt(i);
        if (instance >= 1 && instance <= MAX_INSTANCES) {
          tags.get(kind - 1).put(instance, t);
        }
      }
      if (instance < 1 || instance > MAX_INSTANCES) {
        return broken(f.name() + " instance out of range [1, 50]: i=" + instance);
      }
      if (byInstance[instance][kind] != null) {
        return broken("two " + f.name() + " fields with i=" + instance);
      }
      byInstance[instance][kind] = f;
      max = Math.max(max, instance);
    }
    if (count == 0) {
      return new ArcChain(List.of(), Optional.empty());
    }
    List<ArcSet> sets = new ArrayList<>(max);
    for (int i = 1; i <= max; i++) {
      HeaderField[] set = byInstance[i];
      for (int k = 0; k < 3; k++) {
        if (set[k] == null) {
          String name = k == 0 ? AAR : k == 1 ? AMS : SEAL;
          return broken("no " + name + " with i=" + i + " (the chain has i=" + max + ")");
        }
      }
      sets.add(
          new ArcSet(
              i, set[0], payloads[i], set[1], tags.get(0).get(i), set[2], tags.get(1).get(i)));
    }
    return new ArcChain(sets, Optional.empty());
  }

  private static ArcChain broken(String reason) {
    return new ArcChain(List.of(), Optional.of(reason));
  }

  static String abbreviate(String s) {
    return s.length() <= 60 ? s : s.substring(0, 57) + "...";
  }
}
