package dev.mailfilter.sa;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code eval:} tests of SpamAssassin's RelayEval plugin (4.0.1), on the {@link TrustPath}:
 * each follows the Perl function of the same name. {@code
 * check_for_from_domain_in_received_headers} is not here; a rule naming it is unsupported.
 */
final class RelayEvals {
  private RelayEvals() {}

  /** The functions implemented. */
  static final List<String> IMPLEMENTED =
      List.of(
          "check_all_trusted",
          "check_no_relays",
          "check_relays_unparseable",
          "check_for_numeric_helo",
          "check_for_illegal_ip",
          "helo_ip_mismatch",
          "check_for_sender_no_reverse",
          "check_for_no_rdns_dotcom_helo",
          "check_for_forged_received_trail",
          "check_for_forged_received_ip_helo");

  private static final String V4 =
      "(?:1\\d\\d|2[0-4]\\d|25[0-5]|[1-9]\\d|\\d)\\.(?:1\\d\\d|2[0-4]\\d|25[0-5]|[1-9]\\d|\\d)\\."
          + "(?:1\\d\\d|2[0-4]\\d|25[0-5]|[1-9]\\d|\\d)\\.(?:1\\d\\d|2[0-4]\\d|25[0-5]|[1-9]\\d|\\d)";
  private static final Pattern IS_V4 = Pattern.compile("^\\b" + V4 + "\\b$");
  private static final Pattern NUMERIC_HELO =
      Pattern.compile(
          "\\bhelo=(\\b" + V4 + "\\b)(?=[\\x00-\\x20,;\\[()<>]|\\z)", Pattern.CASE_INSENSITIVE);
  private static final Pattern FIRST_THREE = Pattern.compile("^(\\d+\\.\\d+\\.\\d+\\.)");
  private static final Pattern CLASS_B = Pattern.compile("^(\\d+\\.\\d+)\\.\\d+\\.\\d+$");
  private static final Pattern DOTTED_QUAD = Pattern.compile("^\\d+\\.\\d+\\.\\d+\\.\\d+$");
  private static final Pattern HOST = Pattern.compile("^\\w+(?:[\\w.-]+\\.)+\\w+$");
  private static final Pattern DOTCOM =
      Pattern.compile(
          "(?:\\.|^)(lycos\\.com|lycos\\.co\\.uk|hotmail\\.com|localhost\\.com|excite\\.com"
              + "|caramail\\.com|cs\\.com|aol\\.com|msn\\.com|yahoo\\.com|drizzle\\.com)$",
          Pattern.CASE_INSENSITIVE);
  private static final Pattern LETTER = Pattern.compile("[a-zA-Z]");
  private static final Pattern LOCALHOST_NAME = Pattern.compile("^localhost(?:\\.localdomain)?$");
  private static final Pattern TLD_LIKE = Pattern.compile("(?:\\S{3,}|ie|fr|de)");

  /** The test of {@code function()}, or null when RelayEval has no such function here. */
  static NativeEvals.EvalTest resolve(String function) {
    return switch (function) {
      case "check_all_trusted" ->
          m -> {
            TrustPath p = m.trustPath();
            return !p.trusted().isEmpty() && p.untrusted().isEmpty() && p.unparseable() == 0;
          };
      case "check_no_relays" ->
          m -> {
            TrustPath p = m.trustPath();
            return p.trusted().isEmpty() && p.untrusted().isEmpty() && p.unparseable() == 0;
          };
      case "check_relays_unparseable" -> m -> m.trustPath().unparseable() > 0;
      case "check_for_numeric_helo" -> RelayEvals::numericHelo;
      case "check_for_illegal_ip" -> m -> false; // retired in SpamAssassin (bug 6295): always 0
      case "helo_ip_mismatch" -> RelayEvals::heloIpMismatch;
      case "check_for_sender_no_reverse" -> RelayEvals::senderNoReverse;
      case "check_for_no_rdns_dotcom_helo" -> RelayEvals::noRdnsDotcomHelo;
      case "check_for_forged_received_trail" -> m -> forged(m.trustPath())[0] > 1;
      case "check_for_forged_received_ip_helo" -> m -> forged(m.trustPath())[1] > 0;
      default -> null;
    };
  }

  private static boolean isPrivate(String ip) {
    return Received.isPrivate(ip);
  }

  private static boolean numericHelo(SaMessage m) {
    String untrusted = m.trustPath().pseudoHeader("X-Spam-Relays-Untrusted").orElseThrow();
    Matcher h = NUMERIC_HELO.matcher(untrusted);
    return h.find() && !isPrivate(h.group(1));
  }

  private static boolean heloIpMismatch(SaMessage m) {
    for (TrustPath.Relay r : m.trustPath().untrusted()) {
      String helo = r.relay().helo();
      String ip = r.relay().ip();
      if (!IS_V4.matcher(helo).find() || isPrivate(helo)) {
        continue;
      }
      if (IS_V4.matcher(ip).find() && !isPrivate(ip) && !helo.equals(ip)) {
        Matcher three = FIRST_THREE.matcher(helo);
        if (three.find() && !ip.startsWith(three.group(1))) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean senderNoReverse(SaMessage m) {
    List<TrustPath.Relay> untrusted = m.trustPath().untrusted();
    if (untrusted.isEmpty()) {
      return false;
    }
    Received.Relay sender = untrusted.getLast().relay();
    return sender.rdns().contains(".") && !sender.ipPrivate();
  }

  private static boolean noRdnsDotcomHelo(SaMessage m) {
    boolean flag = false;
    for (TrustPath.Relay r : m.trustPath().untrusted()) {
      if (r.relay().ipPrivate()) {
        continue;
      }
      // _check_received_helos resets the flag at every public relay: the last one decides.
      flag = DOTCOM.matcher(r.relay().helo()).find() && r.relay().noReverseDns();
    }
    return flag;
  }

  /** _check_for_forged_received: {mismatch_from, mismatch_ip_helo}. */
  private static int[] forged(TrustPath p) {
    List<TrustPath.Relay> relays = p.untrusted();
    int n = relays.size();
    String[] by = new String[n];
    String[] from = new String[n];
    String[] helo = new String[n];
    String[] fromIp = new String[n];
    for (int i = 0; i < n; i++) {
      Received.Relay r = relays.get(i).relay();
      by[i] = hostnameToDomain(Received.lc(r.by()));
      from[i] = hostnameToDomain(Received.lc(r.rdns()));
      helo[i] = hostnameToDomain(Received.lc(r.helo()));
      fromIp[i] = r.ip();
    }
    int mismatchFrom = 0;
    int mismatchIpHelo = 0;
    for (int i = 0; i < n; i++) {
      if (!HOST.matcher(by[i]).find()) {
        continue;
      }
      if (LOCALHOST_NAME.matcher(from[i]).find() && fromIp[i].equals("127.0.0.1")) {
        from[i] = null;
      }
      String hlo = helo[i];
      String fip = fromIp[i];
      if (DOTTED_QUAD.matcher(hlo).find() && DOTTED_QUAD.matcher(fip).find() && !fip.equals(hlo)) {
        Matcher hb = CLASS_B.matcher(hlo);
        Matcher fb = CLASS_B.matcher(fip);
        if (hb.find() && fb.find() && !hb.group(1).equals(fb.group(1)) && !isPrivate(hlo)) {
          mismatchIpHelo++;
        }
      }
      String prev = i > 0 ? from[i - 1] : null;
      if (prev != null
          && HOST.matcher(prev).find()
          && !by[i].equals(prev)
          && !(by[i].equals("msn.com") && prev.equals("hotmail.com"))) {
        mismatchFrom++;
      }
    }
    return new int[] {mismatchFrom, mismatchIpHelo};
  }

  /** RelayEval's hostname_to_domain: the last two labels (three under a two-letter TLD). */
  static String hostnameToDomain(String hostname) {
    if (!LETTER.matcher(hostname).find()) {
      return hostname;
    }
    String[] parts = hostname.split("\\.");
    if (parts.length > 1 && TLD_LIKE.matcher(parts[parts.length - 1]).find()) {
      return parts[parts.length - 2] + "." + parts[parts.length - 1];
    } else if (parts.length > 2) {
      return parts[parts.length - 3]
          + "."
          + parts[parts.length - 2]
          + "."
          + parts[parts.length - 1];
    }
    return hostname;
  }
}
