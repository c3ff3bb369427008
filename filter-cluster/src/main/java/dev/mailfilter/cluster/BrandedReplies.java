package dev.mailfilter.cluster;

import dev.mailfilter.api.Reply;
import dev.mailfilter.smtp.ReplyBranding;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The gateway's refusals in the white label of the recipient's reseller: {@code 554 5.7.1 Message
 * rejected as spam; rejected by Acme Mail Shield spam protection, contact help@acme.example}. A
 * domain of a reseller without a brand, or of a customer of the provider itself, gets the reply as
 * configured. Made from a tree ({@link #of(Snapshot)}); a {@link ClusterNode} keeps one for its
 * running tree ({@link ClusterNode#replyBranding()}).
 */
public final class BrandedReplies implements ReplyBranding {
  private static final int MAX_NAME = 64;
  private static final int MAX_LINE = 480; // of the 512 octets of a reply line (RFC 5321 4.5.3.1)

  private final Map<String, Brand> byDomain;

  private BrandedReplies(Map<String, Brand> byDomain) {
    this.byDomain = byDomain;
  }

  /** The brands of a tree's domains: each domain under a reseller with a brand. */
  public static BrandedReplies of(Snapshot tree) {
    Map<TenantPath, Brand> resellers = new HashMap<>();
    for (Tenant t : tree.tenants()) {
      if (t.kind() == TenantPath.Kind.RESELLER && t.brand().isPresent()) {
        resellers.put(t.path(), t.brand().get());
      }
    }
    Map<String, Brand> byDomain = new HashMap<>();
    if (!resellers.isEmpty()) {
      for (Tenant t : tree.tenants()) {
        if (t.kind() == TenantPath.Kind.DOMAIN
            && t.path().segments().getFirst().kind() == TenantPath.Kind.RESELLER) {
          Brand b = resellers.get(new TenantPath(t.path().segments().subList(0, 1)));
          if (b != null) {
            byDomain.put(t.path().name(), b);
          }
        }
      }
    }
    return new BrandedReplies(Map.copyOf(byDomain));
  }

  /** The brand of a recipient domain, if its reseller has one. */
  public Optional<Brand> brandOf(String domain) {
    return Optional.ofNullable(byDomain.get(domain));
  }

  @Override
  public Reply brand(String recipientDomain, Reply refusal) {
    Brand b = byDomain.get(recipientDomain);
    if (b == null || refusal.code() < 400) {
      return refusal;
    }
    String note =
        (refusal.code() >= 500 ? "rejected by " : "deferred by ")
            + ascii(b.name(), MAX_NAME)
            + " spam protection, contact "
            + ascii(b.supportAddress(), 254);
    List<String> lines = new ArrayList<>(refusal.lines());
    String last = lines.getLast();
    String text = last + "; " + note;
    if (text.length() > MAX_LINE) {
      // The configured text yields to the brand: the sender must learn whom to contact.
      text = last.substring(0, Math.max(0, MAX_LINE - note.length() - 5)) + "...; " + note;
    }
    lines.set(lines.size() - 1, text);
    return new Reply(refusal.code(), refusal.enhanced(), lines);
  }

  /**
   * Printable US-ASCII only (a reply line is ASCII, RFC 5321 4.2), cut to {@code max}: a brand name
   * with other characters keeps its shape with {@code ?}, and a control character cannot end the
   * line.
   */
  private static String ascii(String s, int max) {
    StringBuilder b = new StringBuilder(Math.min(s.length(), max));
    for (int i = 0; i < s.length() && b.length() < max; i++) {
      char c = s.charAt(i);
      b.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return b.toString();
  }
}
