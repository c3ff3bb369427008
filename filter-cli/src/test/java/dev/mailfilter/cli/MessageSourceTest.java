package dev.mailfilter.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one reader behind {@code scan}, {@code train} and {@code eval}. */
class MessageSourceTest {
  @TempDir Path dir;

  private static String text(MessageSource.Message m) {
    return new String(m.bytes(), StandardCharsets.ISO_8859_1);
  }

  private Path write(String name, String content) throws IOException {
    Path p = dir.resolve(name);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content, StandardCharsets.ISO_8859_1);
    return p;
  }

  @Test
  void mboxSplitsAtDatedFromLinesAndUnquotesMboxrd() throws IOException {
    Path mbox =
        write(
            "inbox.mbox",
            "From a@example.org Thu Jan  1 00:00:00 2026\n"
                + "Subject: one\n\nhello\n>From the start\n>>From deeper\n\n"
                + "From b@example.org Thu Jan  1 00:00:01 2026\n"
                + "Subject: two\n\nbye\n");
    List<MessageSource.Message> all = MessageSource.readAll(List.of(mbox));
    assertThat(all)
        .extracting(MessageSource.Message::label)
        .containsExactly(mbox + ":1", mbox + ":2");
    assertThat(text(all.get(0))).isEqualTo("Subject: one\n\nhello\nFrom the start\n>From deeper\n");
    assertThat(text(all.get(1))).isEqualTo("Subject: two\n\nbye\n");
  }

  @Test
  void anUnquotedFromInABodyDoesNotSplitTheMessage() throws IOException {
    Path mbox =
        write(
            "old.mbox",
            "From a@example.org Thu Jan  1 00:00:00 2026\n"
                + "Subject: one\n\nParagraph.\n\nFrom here on we disagree.\n\n"
                + "From b@example.org Thu Jan  1 00:00:01 2026\n"
                + "Subject: two\n\nbye\n");
    List<MessageSource.Message> all = MessageSource.readAll(List.of(mbox));
    assertThat(all).hasSize(2);
    assertThat(text(all.get(0))).contains("From here on we disagree.");
  }

  @Test
  void crlfMboxIsSplitAndTheSeparatingBlankLineDropped() throws IOException {
    Path mbox =
        write(
            "crlf.mbox",
            "From a@example.org Thu Jan  1 00:00:00 2026\r\nSubject: one\r\n\r\nhi\r\n\r\n"
                + "From b@example.org Thu Jan  1 00:00:01 2026\r\nSubject: two\r\n\r\nyo\r\n");
    List<MessageSource.Message> all = MessageSource.readAll(List.of(mbox));
    assertThat(all)
        .extracting(MessageSourceTest::text)
        .containsExactly("Subject: one\r\n\r\nhi\r\n", "Subject: two\r\n\r\nyo\r\n");
  }

  @Test
  void aFileOfOneMessageAfterAFromLineIsLabelledByItsPathAlone() throws IOException {
    // The SpamAssassin corpus and many archives keep one message per file after an mbox From
    // line: its label must stay a path other tools (sa-learn, bogofilter) can open.
    Path one =
        write("00001.abc", "From a@example.org  Thu Aug 22 13:17:22 2002\nSubject: one\n\nhi\n");
    List<MessageSource.Message> all = MessageSource.readAll(List.of(one));
    assertThat(all).extracting(MessageSource.Message::label).containsExactly(one.toString());
    assertThat(text(all.get(0))).isEqualTo("Subject: one\n\nhi\n");
  }

  @Test
  void aFromHeaderIsNotAnMbox() throws IOException {
    Path msg = write("one.eml", "From: a@example.org\nSubject: x\n\nFrom me\n");
    List<MessageSource.Message> all = MessageSource.readAll(List.of(msg));
    assertThat(all).extracting(MessageSource.Message::label).containsExactly(msg.toString());
  }

  @Test
  void directoriesAreWalkedInNameOrderSkippingHiddenFilesAndMaildirTmp() throws IOException {
    write("box/b/2.eml", "Subject: b\n\nx\n");
    write("box/a/1.eml", "Subject: a\n\nx\n");
    write("box/.gitkeep", "");
    write("box/md/cur/3.host:2,S", "Subject: c\n\nx\n");
    write("box/md/new/4.host", "Subject: d\n\nx\n");
    write("box/md/tmp/5.host", "Subject: partial\n");
    List<MessageSource.Message> all = MessageSource.readAll(List.of(dir.resolve("box")));
    assertThat(all)
        .extracting(m -> text(m).lines().findFirst().orElseThrow())
        .containsExactly("Subject: a", "Subject: b", "Subject: c", "Subject: d");
  }

  @Test
  void aMissingPathFailsReadAllWithItsNameButIsAFailureItemForScan() {
    Path missing = dir.resolve("does-not-exist");
    assertThatThrownBy(() -> MessageSource.readAll(List.of(missing)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("no such file or directory")
        .hasMessageContaining("does-not-exist");
    MessageSource.Listing listing = MessageSource.files(List.of(missing));
    assertThat(listing.files()).isEmpty();
    assertThat(listing.failures())
        .singleElement()
        .satisfies(f -> assertThat(f.label()).isEqualTo(missing.toString()));
  }
}
