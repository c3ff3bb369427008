package dev.mailfilter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InspectCommandTest {
  @TempDir Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return Main.run(
        args,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private static Path example(String name) {
    // Tests run in the module directory; the samples live at the project root.
    Path p = Path.of("..", "examples", "mail", name);
    return Files.exists(p) ? p : Path.of("examples", "mail", name);
  }

  @Test
  void printsTheTreeOfTheSampleMessages() {
    int status =
        run(
            "inspect",
            example("alternative.eml").toString(),
            example("attachment.eml").toString(),
            example("forwarded.eml").toString());
    String text = out.toString(StandardCharsets.UTF_8);
    assertThat(status).isZero();
    assertThat(text)
        .contains("subject: Caf\u00e9 on Friday")
        .contains("1  text/plain  charset=utf-8  quoted-printable")
        .contains("2  application/pdf  base64")
        .contains("filename=\"invoice 2026-118.pdf\"")
        .contains("2.0  multipart/alternative  boundary=inner")
        .contains("2.2  text/html");
  }

  @Test
  void reportsDefectsOfMalformedMail() {
    assertThat(run("inspect", example("malformed.eml").toString())).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("MISSING_HEADER_BODY_SEPARATOR")
        .contains("CLOSE_BOUNDARY_MISSING")
        .contains("NUL_BYTE")
        .contains("UNKNOWN_CHARSET at")
        .contains("UNTERMINATED_ENCODED_WORD");
  }

  @Test
  void jsonEscapesHostileStrings() throws Exception {
    Path f = dir.resolve("q.eml");
    Files.write(
        f,
        "Subject: a \"quote\" \\ back\u0001slash\r\nContent-Type: text/plain; name=\"x\\\"y\"\r\n\r\nb"
            .getBytes(StandardCharsets.UTF_8));
    assertThat(run("inspect", "--json", f.toString())).isZero();
    String json = out.toString(StandardCharsets.UTF_8).strip();
    assertThat(json).startsWith("{\"file\":").doesNotContain("\n");
    assertThat(json).contains("\"subject\":\"a \\\"quote\\\" \\\\ back\\u0001slash\"");
    assertThat(json).contains("\"filename\":\"x\\\"y\"");
  }

  @Test
  void missingFileIsAClearErrorWithStatusTwo() {
    int status = run("inspect", dir.resolve("nope.eml").toString());
    assertThat(status).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("cannot read")
        .contains("nope.eml")
        .contains("no such file")
        .doesNotContain("Exception");
  }

  @Test
  void directoryAndNoArgumentsAreRefused() {
    assertThat(run("inspect", dir.toString())).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("is a directory");
    assertThat(run("inspect")).isEqualTo(2);
    assertThat(run("inspect", "--bogus", "x")).isEqualTo(2);
  }
}
