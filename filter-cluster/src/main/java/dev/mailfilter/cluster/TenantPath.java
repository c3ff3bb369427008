package dev.mailfilter.cluster;

import java.net.IDN;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where a node sits in the tenant tree: its chain of {@link Segment}s from the top, in the order
 * reseller, customer, domain, user. A customer of the provider itself has no reseller segment.
 * Written as {@code reseller:acme/customer:bakery/domain:bakery.example/user:boss}; the root (the
 * provider, whose children are resellers and direct customers) is the empty path, written {@code
 * ""}.
 *
 * <p>Names are normalised: domains to lower-case A-labels without a trailing dot, user local parts
 * to lower case (as the core compares them). Reseller and customer names are 1 to 64 of {@code
 * [A-Za-z0-9._-]}, starting with a letter or digit; local parts may not contain {@code /},
 * {@code @}, white space or control characters.
 */
public record TenantPath(List<Segment> segments) implements Comparable<TenantPath> {

  /** The level of a node. */
  public enum Kind {
    RESELLER,
    CUSTOMER,
    DOMAIN,
    USER;

    private final String label = name().toLowerCase(Locale.ROOT);

    String label() {
      return label;
    }
  }

  /** One step of a path: the level and the (normalised) name. */
  public record Segment(Kind kind, String name) {
    /** Normalises and checks the name; throws {@link IllegalArgumentException} when invalid. */
    public Segment {
      name = normalise(kind, name);
    }

    @Override
    public String toString() {
      return kind.label() + ":" + name;
    }
  }

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Pattern LABEL = Pattern.compile("[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?");
  private static final TenantPath ROOT = new TenantPath(List.of());

  /** Checks the order of the segments. */
  public TenantPath {
    segments = List.copyOf(segments);
    for (int i = 0; i < segments.size(); i++) {
      Kind k = segments.get(i).kind();
      Kind expected =
          i == 0
              ? (k == Kind.RESELLER ? Kind.RESELLER : Kind.CUSTOMER)
              : next(segments.get(i - 1).kind());
      if (k != expected) {
        throw new IllegalArgumentException(
            "a "
                + k.label()
                + " cannot sit "
                + (i == 0 ? "at the top" : "under a " + segments.get(i - 1).kind().label())
                + ": "
                + join(segments));
      }
    }
  }

  /** The provider's level, parent of resellers and direct customers. */
  public static TenantPath root() {
    return ROOT;
  }

  /** A reseller. */
  public static TenantPath reseller(String name) {
    return ROOT.child(Kind.RESELLER, name);
  }

  /** A customer of the provider itself. */
  public static TenantPath customer(String name) {
    return ROOT.child(Kind.CUSTOMER, name);
  }

  /**
   * Parses the written form, {@code reseller:acme/customer:bakery}.
   *
   * @throws IllegalArgumentException naming the bad segment
   */
  public static TenantPath parse(String text) {
    if (text.isEmpty()) {
      return ROOT;
    }
    List<Segment> out = new ArrayList<>();
    for (String part : text.split("/", -1)) {
      int colon = part.indexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException(
            "expected kind:name (reseller, customer, domain, user), got \"" + part + "\"");
      }
      String kind = part.substring(0, colon);
      Kind k;
      try {
        k = Kind.valueOf(kind.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "unknown level \"" + kind + "\" (reseller, customer, domain, user)", e);
      }
      out.add(new Segment(k, part.substring(colon + 1)));
    }
    return new TenantPath(out);
  }

  /** The child of the given level and name; the level must be one that may sit here. */
  public TenantPath child(Kind kind, String name) {
    List<Segment> s = new ArrayList<>(segments);
    s.add(new Segment(kind, name));
    return new TenantPath(s);
  }

  /** Whether this is the root (the provider). */
  public boolean isRoot() {
    return segments.isEmpty();
  }

  /** The level of the node; the root has none. */
  public Optional<Kind> kind() {
    return isRoot() ? Optional.empty() : Optional.of(last().kind());
  }

  /** The node's own name (empty for the root). */
  public String name() {
    return isRoot() ? "" : last().name();
  }

  /** The parent; the root's parent is the root. */
  public TenantPath parent() {
    return isRoot() ? this : new TenantPath(segments.subList(0, segments.size() - 1));
  }

  /** Whether {@code other} is this path or below it. */
  public boolean contains(TenantPath other) {
    return other.segments.size() >= segments.size()
        && other.segments.subList(0, segments.size()).equals(segments);
  }

  /** The name of the segment of the given level, if the path has one. */
  public Optional<String> name(Kind kind) {
    return segments.stream().filter(s -> s.kind() == kind).map(Segment::name).findFirst();
  }

  /**
   * The order of the written forms ({@link #toString()}), without building them: a node sorts
   * hundreds of thousands of paths when it loads a large tree. Segments are compared one by one;
   * names hold no {@code /}, so where one name is a prefix of the other, the separator (or the end
   * of the path) decides as it does in the written form.
   */
  @Override
  public int compareTo(TenantPath o) {
    int n = Math.min(segments.size(), o.segments.size());
    for (int k = 0; k < n; k++) {
      Segment a = segments.get(k);
      Segment b = o.segments.get(k);
      if (a.kind() != b.kind()) {
        return a.kind().label().compareTo(b.kind().label()); // differ before the ':'
      }
      String na = a.name();
      String nb = b.name();
      int common = Math.min(na.length(), nb.length());
      for (int c = 0; c < common; c++) {
        char x = na.charAt(c);
        char y = nb.charAt(c);
        if (x != y) {
          return x - y;
        }
      }
      if (na.length() != nb.length()) {
        // One name is a prefix of the other: its path goes on with '/' or ends there.
        int afterA = na.length() > common ? na.charAt(common) : k + 1 < segments.size() ? '/' : -1;
        int afterB =
            nb.length() > common ? nb.charAt(common) : k + 1 < o.segments.size() ? '/' : -1;
        return afterA - afterB;
      }
    }
    return segments.size() - o.segments.size();
  }

  @Override
  public String toString() {
    return join(segments);
  }

  private Segment last() {
    return segments.get(segments.size() - 1);
  }

  private static String join(List<Segment> segments) {
    StringBuilder b = new StringBuilder();
    for (Segment s : segments) {
      if (b.length() > 0) {
        b.append('/');
      }
      b.append(s);
    }
    return b.toString();
  }

  private static Kind next(Kind k) {
    return switch (k) {
      case RESELLER -> Kind.CUSTOMER;
      case CUSTOMER -> Kind.DOMAIN;
      case DOMAIN, USER -> Kind.USER;
    };
  }

  private static String normalise(Kind kind, String name) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("a " + kind.label() + " needs a name");
    }
    return switch (kind) {
      case RESELLER, CUSTOMER -> {
        if (!NAME.matcher(name).matches()) {
          throw new IllegalArgumentException(
              "not a "
                  + kind.label()
                  + " name (1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or digit): \""
                  + name
                  + "\"");
        }
        yield name;
      }
      case DOMAIN -> domain(name);
      case USER -> {
        for (int i = 0; i < name.length(); i++) {
          char c = name.charAt(i);
          if (c == '/' || c == '@' || Character.isWhitespace(c) || Character.isISOControl(c)) {
            throw new IllegalArgumentException("not a local part: \"" + name + "\"");
          }
        }
        if (name.length() > 64) {
          throw new IllegalArgumentException("a local part has at most 64 characters");
        }
        yield name.toLowerCase(Locale.ROOT);
      }
    };
  }

  private static String domain(String name) {
    String d = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    String ascii;
    try {
      ascii = IDN.toASCII(d, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a domain name: \"" + name + "\"", e);
    }
    String[] labels = ascii.split("\\.", -1);
    if (ascii.length() > 253 || labels.length < 2) {
      throw new IllegalArgumentException("not a domain name: \"" + name + "\"");
    }
    for (String l : labels) {
      if (!LABEL.matcher(l).matches()) {
        throw new IllegalArgumentException("not a domain name: \"" + name + "\"");
      }
    }
    return ascii;
  }
}
