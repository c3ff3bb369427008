package dev.mailfilter.check;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.collect.ImmutableSortedMap;
import dev.mailfilter.checks.GtubeCheck;
import dev.mailfilter.checks.HeloCheck;
import dev.mailfilter.checks.MimeDefectsCheck;
import dev.mailfilter.dns.DnsblCheck;
import dev.mailfilter.learn.ModelCheck;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The checks a configuration can name under {@code checks}: name to factory. Immutable. {@link
 * #standard()} holds the built-in checks; embedders add their own with {@link #builder()}.
 */
public final class CheckRegistry {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");

  private static final CheckRegistry STANDARD;

  static {
    Builder b = builder();
    // One line per built-in check, sorted by name.
    b.register("attachments", dev.mailfilter.checks.AttachmentCheck::create);
    b.register("clamd", dev.mailfilter.av.ClamdCheck::create);
    b.register("dnsbl_connect", DnsblCheck.factory(Stage.CONNECT));
    b.register("dnsbl_data", DnsblCheck.factory(Stage.DATA));
    b.register("dnsbl_helo", DnsblCheck.factory(Stage.HELO));
    b.register("dnsbl_mail_from", DnsblCheck.factory(Stage.MAIL_FROM));
    b.register("encoded_words", dev.mailfilter.checks.EncodedWordCheck::create);
    b.register("gtube", GtubeCheck::create);
    b.register("headers", dev.mailfilter.checks.HeaderCheck::create);
    b.register("helo", HeloCheck::create);
    b.register("html", dev.mailfilter.checks.HtmlCheck::create);
    b.register("mime_defects", MimeDefectsCheck::create);
    b.register("model", ModelCheck::create);
    b.register("obfuscation", dev.mailfilter.checks.ObfuscationCheck::create);
    b.register("received", dev.mailfilter.checks.ReceivedCheck::create);
    b.register("sender", dev.mailfilter.checks.SenderCheck::create);
    b.register("subject", dev.mailfilter.checks.SubjectCheck::create);
    b.register("urls", dev.mailfilter.checks.UrlCheck::create);
    STANDARD = b.build();
  }

  private final ImmutableSortedMap<String, CheckFactory> factories;

  private CheckRegistry(Map<String, CheckFactory> factories) {
    this.factories = ImmutableSortedMap.copyOf(factories);
  }

  /** The built-in checks. */
  public static CheckRegistry standard() {
    return STANDARD;
  }

  /** An empty builder. */
  public static Builder builder() {
    return new Builder(Map.of());
  }

  /** A builder starting from this registry's checks. */
  public Builder toBuilder() {
    return new Builder(factories);
  }

  /** The registered names, sorted. */
  public Set<String> names() {
    return factories.keySet();
  }

  /** The factory registered under a name. */
  public Optional<CheckFactory> factory(String name) {
    return Optional.ofNullable(factories.get(name));
  }

  /** Builds a {@link CheckRegistry}. */
  public static final class Builder {
    private final Map<String, CheckFactory> factories;

    private Builder(Map<String, CheckFactory> initial) {
      this.factories = new TreeMap<>(initial);
    }

    /**
     * Registers a factory under a check name (its configuration key under {@code checks}).
     *
     * @throws IllegalArgumentException when the name is taken or not {@code [a-z][a-z0-9_]*}
     */
    public Builder register(String name, CheckFactory factory) {
      checkArgument(
          NAME.matcher(name).matches(), "check name must match [a-z][a-z0-9_]*: %s", name);
      checkArgument(!factories.containsKey(name), "check already registered: %s", name);
      factories.put(name, Objects.requireNonNull(factory, "factory"));
      return this;
    }

    /** The registry. */
    public CheckRegistry build() {
      return new CheckRegistry(factories);
    }
  }
}
