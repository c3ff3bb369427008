package dev.mailfilter.smtp;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailfilter.api.Reply;
import dev.mailfilter.tenant.Route;
import dev.mailfilter.tenant.TlsPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The quarantine store on its own: round trip, crash leftovers, expiry, paging, release. */
class QuarantineTest {
  /** A clock the test moves. */
  static final class MovableClock extends Clock {
    private volatile Instant now;

    MovableClock(Instant now) {
      this.now = now;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  static final Relay.Timeouts FAST =
      new Relay.Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(5));

  @TempDir Path dir;
  private final MovableClock clock = new MovableClock(Instant.parse("2026-12-07T10:00:00Z"));
  private Downstream downstream;

  @BeforeEach
  void startDownstream() throws IOException {
    downstream = new Downstream();
  }

  @AfterEach
  void stopDownstream() throws IOException {
    downstream.close();
  }

  private Quarantine open() throws IOException {
    return Quarantine.open(dir.resolve("q"), Duration.ofDays(7), clock, new Relay("gw.test", FAST));
  }

  private Quarantine.Held held(String subject, String tenant) {
    LinkedHashMap<String, String> mail = new LinkedHashMap<>();
    mail.put("BODY", "8BITMIME");
    mail.put("SMTPUTF8", "");
    LinkedHashMap<String, String> rcpt = new LinkedHashMap<>();
    rcpt.put("NOTIFY", "FAILURE");
    return new Quarantine.Held(
        "alice@sender.example",
        new MailParameters(
            OptionalLong.empty(),
            Optional.empty(),
            true,
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            mail),
        List.of(
            new Relay.Recipient(
                "bob@ours.example", new RcptParameters(Set.of(), Optional.empty(), rcpt)),
            new Relay.Recipient("carol@ours.example", RcptParameters.NONE)),
        tenant,
        12.5,
        List.of("GTUBE", "MISSING_DATE"),
        new Route("127.0.0.1", false, downstream.port(), TlsPolicy.NONE),
        ("Subject: " + subject + "\r\n\r\nbody é\r\n").getBytes(UTF_8));
  }

  @Test
  void heldEntryRoundTripsThroughAReopenedStore() throws IOException {
    QuarantineEntry e = open().hold(held("hello", "acme/bakery"));
    Quarantine again = open();
    QuarantineEntry shown = again.show(e.id()).orElseThrow();
    assertThat(shown).isEqualTo(e);
    assertThat(shown.time()).isEqualTo(clock.instant());
    assertThat(shown.recipients()).containsExactly("bob@ours.example", "carol@ours.example");
    assertThat(shown.symbols()).containsExactly("GTUBE", "MISSING_DATE");
    assertThat(shown.tenant()).isEqualTo("acme/bakery");
    assertThat(shown.route().port()).isEqualTo(downstream.port());
    assertThat(shown.isReleased()).isFalse();
    try (InputStream in = again.message(e.id())) {
      assertThat(new String(in.readAllBytes(), UTF_8))
          .isEqualTo("Subject: hello\r\n\r\nbody é\r\n");
    }
    assertThat(shown.size()).isEqualTo("Subject: hello\r\n\r\nbody é\r\n".getBytes(UTF_8).length);
  }

  @Test
  void unknownAndMalformedIdsAreAbsentNotErrors() throws IOException {
    Quarantine q = open();
    assertThat(q.show("0000000000-00000000")).isEmpty();
    assertThat(q.show("../../etc/passwd")).isEmpty();
    assertThat(q.delete("../x")).isFalse();
    assertThatThrownBy(() -> q.release("../x")).isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> q.message("nope")).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void leftoversOfACrashAreRemovedOnOpenAndNeverListed() throws IOException {
    Quarantine q = open();
    QuarantineEntry kept = q.hold(held("kept", "t"));
    Path d = q.directory();
    // A process killed while writing, over an hour ago: a temporary file, a message whose .meta
    // never came, and its marker in the tenant index.
    List<Path> leftovers =
        List.of(
            Files.writeString(d.resolve("0000000001-deadbeef.eml.tmp"), "Subject: half"),
            Files.writeString(d.resolve("0000000001-deadbeef.eml"), "Subject: no meta\r\n\r\n"),
            Files.writeString(d.resolve("0000000002-deadbeef.meta.tmp"), "time=2026-"),
            Files.writeString(d.resolve("index/~t/0000000001-deadbeef"), ""));
    for (Path f : leftovers) {
      Files.setLastModifiedTime(
          f, FileTime.from(clock.instant().minus(Quarantine.LEFTOVER_AGE).minusSeconds(1)));
    }
    assertThat(q.list(e -> true, Optional.empty(), 10).entries())
        .extracting(QuarantineEntry::id)
        .containsExactly(kept.id());
    assertThat(q.list("t", e -> true, Optional.empty(), 10).entries())
        .extracting(QuarantineEntry::id)
        .containsExactly(kept.id());
    Quarantine reopened = open();
    try (Stream<Path> files = Files.list(d)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder(kept.id() + ".eml", kept.id() + ".meta", "index");
    }
    try (Stream<Path> files = Files.list(d.resolve("index/~t"))) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly(kept.id());
    }
    assertThat(reopened.show(kept.id())).isPresent();
  }

  @Test
  void entriesOlderThanTheLifetimeExpire() throws IOException {
    Quarantine q = open();
    QuarantineEntry old = q.hold(held("old", "t"));
    clock.advance(Duration.ofDays(3));
    QuarantineEntry young = q.hold(held("young", "t"));
    clock.advance(Duration.ofDays(4)); // old is exactly 7 days old: kept
    assertThat(q.expire()).isZero();
    clock.advance(Duration.ofSeconds(1));
    assertThat(q.expire()).isEqualTo(1);
    assertThat(q.show(old.id())).isEmpty();
    assertThat(q.show(young.id())).isPresent();
    try (Stream<Path> files = Files.list(q.directory())) {
      assertThat(files.filter(p -> p.getFileName().toString().startsWith(old.id()))).isEmpty();
    }
  }

  @Test
  void pagingVisitsEveryEntryOnceInOrderWithAFilter() throws IOException {
    Quarantine q = open();
    List<String> acme = new ArrayList<>();
    for (int i = 0; i < 250; i++) {
      clock.advance(Duration.ofMillis(1));
      QuarantineEntry e = q.hold(held("m" + i, i % 3 == 0 ? "acme/x" : "other/y"));
      if (i % 3 == 0) {
        acme.add(e.id());
      }
    }
    List<String> seen = new ArrayList<>();
    Optional<String> after = Optional.empty();
    int pages = 0;
    do {
      Quarantine.Page p = q.list(e -> e.tenant().startsWith("acme/"), after, 20);
      assertThat(p.entries()).hasSizeLessThanOrEqualTo(20);
      p.entries().forEach(e -> seen.add(e.id()));
      after = p.next();
      pages++;
    } while (after.isPresent());
    assertThat(seen).isEqualTo(acme); // 84 entries, in the order held
    assertThat(pages).isEqualTo(5);
    assertThatThrownBy(() -> q.list(e -> true, Optional.empty(), 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void releaseRelaysOnceWithTheEnvelopeAndMarksTheEntry() throws IOException {
    Quarantine q = open();
    QuarantineEntry e = q.hold(held("release me", "t"));
    clock.advance(Duration.ofMinutes(5));
    Reply r = q.release(e.id());
    assertThat(r.code()).isEqualTo(250);
    assertThat(downstream.messages).hasSize(1);
    Downstream.Received m = downstream.messages.getFirst();
    assertThat(m.from()).isEqualTo("alice@sender.example");
    assertThat(m.mailParameters()).isEqualTo("BODY SMTPUTF8");
    assertThat(m.recipients()).containsExactly("bob@ours.example", "carol@ours.example");
    assertThat(new String(m.content(), UTF_8))
        .isEqualTo(
            "X-Mailfilter-Released: "
                + e.id()
                + "; "
                + clock.instant()
                + "\r\nSubject: release me\r\n\r\nbody é\r\n");
    assertThat(downstream.commands).anyMatch(c -> c.contains("NOTIFY"));
    assertThat(open().show(e.id()).orElseThrow().released()).contains(clock.instant());
    assertThatThrownBy(() -> q.release(e.id()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("released already");
    assertThat(downstream.messages).hasSize(1);
  }

  @Test
  void releaseRemovesTheResultFieldsSoTheMailboxDoesNotFileItAsSpam() throws IOException {
    Quarantine q = open();
    Quarantine.Held h = held("spam?", "t");
    byte[] flagged =
        ("X-Spam-Flag: YES\r\nSubject: spam?\r\nX-Spam-Score: 12.50\r\n"
                + "X-Spam-Status: Yes, score=12.5 required=6.0\r\n tests=GTUBE\r\n"
                + "X-Spam-Symbols: GTUBE\r\nX-Spam-Other: kept\r\n\r\nbody\r\n")
            .getBytes(UTF_8);
    QuarantineEntry e =
        q.hold(
            new Quarantine.Held(
                h.from(),
                h.parameters(),
                h.recipients(),
                h.tenant(),
                h.score(),
                h.symbols(),
                h.route(),
                flagged));
    assertThat(q.release(e.id()).code()).isEqualTo(250);
    String relayed = new String(downstream.messages.getFirst().content(), UTF_8);
    assertThat(relayed)
        .startsWith("X-Mailfilter-Released: " + e.id() + "; ")
        .endsWith("\r\nSubject: spam?\r\nX-Spam-Other: kept\r\n\r\nbody\r\n")
        .doesNotContain("X-Spam-Flag", "X-Spam-Score", "X-Spam-Status", "X-Spam-Symbols");
    // Renamed result fields (headers.flag: X-Junk) are removed by their configured names.
    QuarantineEntry renamed =
        q.hold(
            new Quarantine.Held(
                h.from(),
                h.parameters(),
                h.recipients(),
                h.tenant(),
                h.score(),
                h.symbols(),
                h.route(),
                "X-Junk: YES\r\nX-Spam-Flag: YES\r\n\r\nb\r\n".getBytes(UTF_8)));
    assertThat(q.withResultFields(List.of("X-Junk")).release(renamed.id()).code()).isEqualTo(250);
    assertThat(new String(downstream.messages.get(1).content(), UTF_8))
        .doesNotContain("X-Junk")
        .contains("X-Spam-Flag: YES");
    assertThatThrownBy(() -> q.withResultFields(List.of("X-Bad: field")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("X-Bad: field");
  }

  @Test
  void aUserReleasesToTheirOwnMailboxOnceAndTheOthersStayHeld() throws IOException {
    Quarantine q = open();
    QuarantineEntry e = q.hold(held("two of us", "t"));
    assertThat(q.release(e.id(), List.of("Carol@Ours.Example")).code()).isEqualTo(250);
    assertThat(downstream.messages).hasSize(1);
    assertThat(downstream.messages.getFirst().recipients()).containsExactly("carol@ours.example");
    QuarantineEntry after = open().show(e.id()).orElseThrow();
    assertThat(after.isReleased()).isFalse();
    assertThat(after.isReleasedTo("carol@ours.example")).isTrue();
    assertThat(after.isReleasedTo("bob@ours.example")).isFalse();
    assertThatThrownBy(() -> q.release(e.id(), List.of("carol@ours.example")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("released already");
    assertThatThrownBy(() -> q.release(e.id(), List.of("mallory@ours.example")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a recipient");
    assertThat(downstream.messages).hasSize(1);
    // The rest: only bob is left, and then the entry as a whole is released.
    assertThat(q.release(e.id()).code()).isEqualTo(250);
    assertThat(downstream.messages.get(1).recipients()).containsExactly("bob@ours.example");
    QuarantineEntry done = open().show(e.id()).orElseThrow();
    assertThat(done.isReleased()).isTrue();
    assertThat(done.releasedTo()).containsExactly("bob@ours.example", "carol@ours.example");
    assertThatThrownBy(() -> q.release(e.id())).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aRefusedReleaseLeavesTheEntryHeldForALaterTry() throws IOException {
    Quarantine q = open();
    QuarantineEntry e = q.hold(held("later", "t"));
    downstream.replies.put("END", Reply.of(452, "4.3.1", "Insufficient system storage"));
    assertThat(q.release(e.id()).code()).isEqualTo(452);
    assertThat(q.show(e.id()).orElseThrow().isReleased()).isFalse();
    downstream.replies.clear();
    assertThat(q.release(e.id()).code()).isEqualTo(250);
    assertThat(q.show(e.id()).orElseThrow().isReleased()).isTrue();
  }

  @Test
  void aReleaseUnderWayElsewhereIsNotRepeated() throws IOException {
    Quarantine q = open();
    QuarantineEntry e = q.hold(held("busy", "t"));
    Files.createFile(q.directory().resolve(e.id() + ".lock"));
    assertThatThrownBy(() -> q.release(e.id()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("being released by another process");
    assertThat(downstream.commands).isEmpty();
  }

  @Test
  void deleteRemovesBothFiles() throws IOException {
    Quarantine q = open();
    QuarantineEntry e = q.hold(held("gone", "t"));
    assertThat(q.delete(e.id())).isTrue();
    assertThat(q.delete(e.id())).isFalse();
    try (Stream<Path> files = Files.list(q.directory())) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("index");
    }
    try (Stream<Path> files = Files.walk(q.directory().resolve("index"))) {
      assertThat(files.map(p -> p.getFileName().toString())).doesNotContain(e.id());
    }
  }

  @Test
  void aDamagedMetaFileIsAClearError() throws IOException {
    Quarantine q = open();
    QuarantineEntry e = q.hold(held("x", "t"));
    Files.writeString(q.directory().resolve(e.id() + ".meta"), "time=yesterday\n");
    assertThatThrownBy(() -> q.show(e.id()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(e.id() + ".meta: damaged");
    // Expiry goes on past it, and removes it once its file is older than the lifetime.
    QuarantineEntry other = q.hold(held("y", "t"));
    Files.setLastModifiedTime(
        q.directory().resolve(e.id() + ".meta"),
        java.nio.file.attribute.FileTime.from(clock.instant().minus(Duration.ofDays(8))));
    assertThat(q.expire()).isEqualTo(1);
    assertThat(q.show(other.id())).isPresent();
    assertThat(Files.exists(q.directory().resolve(e.id() + ".eml"))).isFalse();
  }

  @Test
  void lifetimeMustBePositive() {
    assertThatThrownBy(() -> new Quarantine.Settings(dir, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("quarantine lifetime must be positive, got PT0S");
  }

  @Test
  void aHoldUnderWayInAnotherProcessIsNotTakenForALeftover() throws IOException {
    Quarantine q = open();
    Path d = q.directory();
    // The gateway wrote the message and its marker and is about to write the .meta file when
    // `mailfilter quarantine` opens the store.
    Path message = Files.writeString(d.resolve("0000000003-deadbeef.eml"), "Subject: soon\r\n\r\n");
    Path marker =
        Files.writeString(
            Files.createDirectories(d.resolve("index/~t")).resolve("0000000003-deadbeef"), "");
    for (Path f : List.of(message, marker)) {
      Files.setLastModifiedTime(f, FileTime.from(clock.instant().minusSeconds(5)));
    }
    open();
    assertThat(message).exists();
    assertThat(marker).exists();
  }

  @Test
  void aTenantsListingReadsOnlyItsOwnEntries() throws IOException {
    Quarantine q = open();
    QuarantineEntry bakery = q.hold(held("a", "acme/bakery/bakery.example"));
    clock.advance(Duration.ofMillis(1));
    QuarantineEntry pub = q.hold(held("b", "acme/pub/pub.example/bob"));
    clock.advance(Duration.ofMillis(1));
    QuarantineEntry other = q.hold(held("c", "other/shop/shop.example"));
    clock.advance(Duration.ofMillis(1));
    QuarantineEntry acmeItself = q.hold(held("d", "acme"));
    clock.advance(Duration.ofMillis(1));
    QuarantineEntry acmeOther = q.hold(held("e", "acmeother/x"));
    // Another tenant's .meta file damaged: a listing that read it would fail.
    Files.writeString(q.directory().resolve(other.id() + ".meta"), "time=yesterday\n");
    assertThatThrownBy(() -> q.list(e -> true, Optional.empty(), 10))
        .isInstanceOf(IOException.class);

    assertThat(ids(q, "acme/")).containsExactly(bakery.id(), pub.id());
    assertThat(ids(q, "acme/bak")).containsExactly(bakery.id());
    assertThat(ids(q, "acme/pub/pub.example/bob")).containsExactly(pub.id());
    assertThat(ids(q, "acme/pub/pub.example/bo")).containsExactly(pub.id());
    assertThat(ids(q, "acme"))
        .containsExactly(bakery.id(), pub.id(), acmeItself.id(), acmeOther.id());
    assertThat(ids(q, "acme/nobody")).isEmpty();
    assertThat(ids(q, "nobody/")).isEmpty();
    // The filter applies within the tenant.
    assertThat(
            q.list("acme/", e -> e.recipients().contains("nobody"), Optional.empty(), 10).entries())
        .isEmpty();
  }

  private static List<String> ids(Quarantine q, String tenant) throws IOException {
    return q.list(tenant, e -> true, Optional.empty(), 100).entries().stream()
        .map(QuarantineEntry::id)
        .toList();
  }

  @Test
  void segmentsThatAreNotFileNamesStayInsideTheIndex() throws IOException {
    Quarantine q = open();
    String long300 = "x".repeat(300);
    List<String> tenants =
        List.of("../../escape", "Acme/Bakery", "ä b/ü", "a//b", long300 + "/y", long300 + "/z");
    List<String> held = new ArrayList<>();
    for (String t : tenants) {
      clock.advance(Duration.ofMillis(1));
      held.add(q.hold(held("x", t)).id());
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("q");
    }
    for (int i = 0; i < tenants.size(); i++) {
      assertThat(ids(q, tenants.get(i))).as(tenants.get(i)).containsExactly(held.get(i));
    }
    assertThat(ids(q, "..")).containsExactly(held.get(0));
    assertThat(ids(q, "ä")).containsExactly(held.get(2));
    assertThat(ids(q, "a/")).containsExactly(held.get(3));
    assertThat(ids(q, long300.substring(0, 250))).containsExactly(held.get(4), held.get(5));
    assertThat(ids(q, long300 + "/z")).containsExactly(held.get(5));
    assertThat(Quarantine.segmentName("Ab+c")).isEqualTo("~%41b+c");
    assertThat(Quarantine.segmentName(long300)).hasSizeLessThanOrEqualTo(200);
  }

  @Test
  void entriesHeldBeforeTheIndexExistedAreIndexedOnOpen() throws IOException {
    Quarantine q = open();
    QuarantineEntry a = q.hold(held("a", "acme/a"));
    clock.advance(Duration.ofMillis(1));
    QuarantineEntry b = q.hold(held("b", "other/b"));
    // A store of the previous version: no index at all.
    try (Stream<Path> files = Files.walk(q.directory().resolve("index"))) {
      for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
    assertThat(ids(q, "acme/")).as("without the index, read in full").containsExactly(a.id());
    Quarantine reopened = open();
    assertThat(q.directory().resolve("index/.built")).exists();
    assertThat(q.directory().resolve("index/~acme/~a/" + a.id())).exists();
    assertThat(ids(reopened, "other/")).containsExactly(b.id());
  }

  @Test
  void aTenantsPagesVisitEachOfItsEntriesOnce() throws IOException {
    Quarantine q = open();
    List<String> acme = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      clock.advance(Duration.ofMillis(1));
      QuarantineEntry e = q.hold(held("m" + i, i % 3 == 0 ? "acme/x" + (i % 2) : "other/y"));
      if (i % 3 == 0) {
        acme.add(e.id());
      }
    }
    List<String> seen = new ArrayList<>();
    Optional<String> after = Optional.empty();
    do {
      Quarantine.Page p = q.list("acme/", e -> true, after, 7);
      p.entries().forEach(e -> seen.add(e.id()));
      after = p.next();
    } while (after.isPresent());
    assertThat(seen).isEqualTo(acme);
  }
}
