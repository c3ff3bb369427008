package dev.mailfilter.url;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.net.InetAddresses;
import java.net.InetAddress;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class UrlTest {
  private static final List<String> URLS = List.of("http://a.example/", "http://b.example/x");
  private static final List<String> HOSTS = List.of("a.example", "b.example");
  private static final List<String> DOMAINS = List.of("example", "a.example");
  private static final List<Optional<InetAddress>> ADDRESSES =
      List.of(
          Optional.empty(),
          Optional.of(InetAddress.getLoopbackAddress()),
          Optional.of(InetAddresses.forString("192.0.2.7")));
  private static final List<String> ANCHORS = List.of("", "click here");

  private static <T> T pick(SplittableRandom r, List<T> from) {
    return from.get(r.nextInt(from.size()));
  }

  private static Url random(SplittableRandom r) {
    return new Url(
        pick(r, URLS),
        pick(r, HOSTS),
        pick(r, DOMAINS),
        pick(r, ADDRESSES),
        r.nextBoolean(),
        pick(r, List.of(Url.Source.values())),
        pick(r, ANCHORS));
  }

  /** Equality by the record's definition: every component equal. */
  private static boolean componentsEqual(Url a, Url b) {
    return a.url().equals(b.url())
        && a.host().equals(b.host())
        && a.registrableDomain().equals(b.registrableDomain())
        && a.address().equals(b.address())
        && a.obfuscatedAddress() == b.obfuscatedAddress()
        && a.source() == b.source()
        && Objects.equals(a.anchorText(), b.anchorText());
  }

  @Test
  void equalsAndHashCodeFollowTheComponents() {
    SplittableRandom r = new SplittableRandom(20261204);
    int equal = 0;
    for (int i = 0; i < 20_000; i++) {
      // Copies of equal strings, so that equality never rests on identity.
      Url a = random(r);
      Url b = random(r);
      Url c =
          new Url(
              new String(a.url()),
              new String(a.host()),
              new String(a.registrableDomain()),
              a.address(),
              a.obfuscatedAddress(),
              a.source(),
              new String(a.anchorText()));
      assertThat(a.equals(b)).isEqualTo(componentsEqual(a, b));
      assertThat(a).isEqualTo(c).hasSameHashCodeAs(c);
      if (a.equals(b)) {
        equal++;
        assertThat(a.hashCode()).isEqualTo(b.hashCode());
      }
    }
    assertThat(equal).isPositive(); // both branches ran
    Url a = random(r);
    assertThat(a.equals(null)).isFalse();
    assertThat(a.equals(a.url())).isFalse();
  }
}
