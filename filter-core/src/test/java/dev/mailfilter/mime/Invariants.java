package dev.mailfilter.mime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

/** Structural invariants every parse must satisfy, whatever the input. */
final class Invariants {
  private Invariants() {}

  static void check(ParsedMessage m, MimeLimits limits) {
    long n = m.bytes().size();
    assertThat(n).isLessThanOrEqualTo(limits.maxMessageSize());
    assertThat(m.parts()).isNotEmpty();
    assertThat(m.parts().get(0)).isSameAs(m.root());
    assertThat(m.parts().size()).isLessThanOrEqualTo(limits.maxParts());
    for (MimePart p : m.parts()) {
      assertThat(p.start()).as("start of %s", p).isBetween(0L, n);
      assertThat(p.headerEnd()).as("header end of %s", p).isBetween(p.start(), n);
      assertThat(p.bodyStart()).as("body start of %s", p).isBetween(p.headerEnd(), n);
      assertThat(p.bodyEnd()).as("body end of %s", p).isBetween(p.bodyStart(), n);
      assertThat(p.depth()).isLessThanOrEqualTo(limits.maxDepth() + 1);
      assertThat(p.headers().size()).isLessThanOrEqualTo(limits.maxHeaderCount());
      for (HeaderField f : p.headers()) {
        assertThat(f.offset()).isBetween(p.start(), p.headerEnd());
        assertThat(f.rawField().size()).isLessThanOrEqualTo(limits.maxHeaderSize());
      }
      List<MimePart> children = p.children();
      long previousEnd = p.bodyStart();
      for (MimePart c : children) {
        assertThat(c.parent()).contains(p);
        assertThat(c.start()).as("child %s inside %s", c, p).isGreaterThanOrEqualTo(previousEnd);
        assertThat(c.bodyEnd()).isLessThanOrEqualTo(p.bodyEnd());
        previousEnd = c.bodyEnd();
      }
      checkView(p.preamble(), p);
      checkView(p.epilogue(), p);
      p.embeddedMessage()
          .ifPresent(
              e -> {
                assertThat(e.start()).isEqualTo(p.bodyStart());
                assertThat(e.bodyEnd()).isEqualTo(p.bodyEnd());
              });
    }
    for (Defect d : m.defects()) {
      assertThat(d.offset()).isBetween(-1L, Math.max(n, limits.maxMessageSize()));
    }
  }

  private static void checkView(ByteView v, MimePart p) {
    assertThat(v.size()).isLessThanOrEqualTo((int) (p.bodyEnd() - p.bodyStart()));
  }

  /** Every lazy accessor runs without throwing and gives sane values. */
  static void decodeEverything(ParsedMessage m) {
    m.subject();
    m.from();
    m.textParts();
    for (Attachment a : m.attachments()) {
      assertThat(a.sha256()).hasSize(64);
      assertThat(a.size()).isNotNegative();
    }
    for (MimePart p : m.parts()) {
      p.contentType();
      p.charset();
      p.filename();
      p.disposition();
      p.transferEncoding();
      for (HeaderField f : p.headers()) {
        f.name();
        f.value();
        f.decodedValue();
      }
      ByteView body = p.decodedBody();
      assertThat(body.size()).isLessThanOrEqualTo(p.maxDecodedLength());
      byte[] dst = new byte[p.maxDecodedLength() + 1];
      assertThat(p.decodeBodyInto(dst, 1)).isEqualTo(body.size());
      p.text();
      p.htmlText();
      p.bodyDefects();
    }
  }
}
