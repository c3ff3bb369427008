package dev.mailfilter.dns.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.net.InetAddresses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MirrorReloadTest {
  @TempDir Path dir;

  private static void write(Path p, String text, long mtimeSeconds) throws Exception {
    Files.writeString(p, text);
    // Explicit times: a rewrite within the file system's timestamp granularity is still seen.
    Files.setLastModifiedTime(p, FileTime.from(Instant.ofEpochSecond(mtimeSeconds)));
  }

  @Test
  void swapsInAChangedFileAndKeepsServingWhenTheNextOneIsBroken() throws Exception {
    Path f = dir.resolve("bl.zone");
    write(f, "192.0.2.1\n", 1_000);
    Mirror m = Mirror.load("bl.test", f, MirrorKind.IP4SET);
    assertThat(m.lookup(InetAddresses.forString("192.0.2.1"))).isPresent();
    assertThat(m.reloadIfChanged()).isFalse();

    write(f, "192.0.2.2\n:3:changed\n192.0.2.3\n", 2_000);
    assertThat(m.reloadIfChanged()).isTrue();
    assertThat(m.lookup(InetAddresses.forString("192.0.2.1"))).isEmpty();
    assertThat(m.lookup(InetAddresses.forString("192.0.2.3")).orElseThrow().txt())
        .containsExactly("changed");

    write(f, "192.0.2.9\n\n192.0.2.300\n", 3_000);
    assertThat(m.reloadIfChanged()).isFalse();
    assertThat(m.lastError()).contains(f + ":3: bad IPv4 address '192.0.2.300'");
    assertThat(m.lookup(InetAddresses.forString("192.0.2.3"))).isPresent(); // old data served
    assertThat(m.lookup(InetAddresses.forString("192.0.2.9"))).isEmpty();
    assertThat(m.reloadIfChanged()).isFalse(); // the same broken file is not re-read

    write(f, "192.0.2.9\n", 4_000);
    assertThat(m.reloadIfChanged()).isTrue();
    assertThat(m.lastError()).isEmpty();
    assertThat(m.lookup(InetAddresses.forString("192.0.2.9"))).isPresent();
  }

  @Test
  void aBrokenFileFailsTheFirstLoadWithItsLineNumber() throws Exception {
    Path f = dir.resolve("dbl.zone");
    write(f, "ok.example\n*.\n", 1_000);
    assertThatThrownBy(() -> Mirror.load("dbl.test", f, MirrorKind.DNSET))
        .isInstanceOf(ZoneFileException.class)
        .hasMessage(f + ":2: bad domain name '*.'");
  }

  @Test
  void readsGzippedFeeds() throws Exception {
    Path f = dir.resolve("bl.zone.gz");
    try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(f))) {
      out.write("198.51.100.0/24\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
    Mirror m = Mirror.load("bl.test", f, MirrorKind.IP4SET);
    assertThat(m.lookup(InetAddresses.forString("198.51.100.77"))).isPresent();
    assertThat(m.lookup(InetAddresses.forString("2001:db8::1"))).isEmpty();
    assertThat(m.lookup("example.com")).isEmpty();
  }
}
