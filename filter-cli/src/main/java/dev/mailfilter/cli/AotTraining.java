package dev.mailfilter.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The workload the build runs to record the JDK 25+ AOT cache that {@code bin/mailfilter} starts
 * from (filter-cli/pom.xml, profile {@code aot-cache}): {@code java -XX:AOTCacheOutput=FILE -cp
 * mailfilter.jar dev.mailfilter.cli.AotTraining SAMPLES WORK}.
 *
 * <p>Why a workload of its own rather than one scan of the samples: besides the classes a run loads
 * and links, the cache keeps the method profiles and compilation history of the training run (JEP
 * 515), and a JVM that starts from it compiles the hot methods sooner. A scan of five messages
 * makes nothing hot and loads no model; here a model is trained on the samples and every sample is
 * scanned {@value #ROUNDS} times, as files and as mbox files, with that model voting. A scan of the
 * SpamAssassin corpus took 12% less wall time from this cache than from one recorded on a single
 * scan of the samples, and as little as from one recorded on a scan of the corpus itself
 * (docs/design.md, "The launcher").
 *
 * <p>{@code SAMPLES} holds the {@code .eml} files (examples/mail; the message whose name starts
 * with {@code gtube} is the spam); {@code WORK} is created afresh. Exits 1 with the reason when a
 * command fails, so a broken build never ships a cache recorded on errors.
 */
final class AotTraining {
  /** Copies of each sample scanned; enough for the per-message methods to be compiled. */
  static final int ROUNDS = 300;

  private AotTraining() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println("usage: AotTraining SAMPLES_DIR WORK_DIR");
      System.exit(2);
    }
    try {
      run(Path.of(args[0]), Path.of(args[1]));
    } catch (IllegalStateException e) {
      System.err.println("AotTraining: " + e.getMessage());
      System.exit(1);
    }
    // As every mailfilter command ends (Main): System.exit sets up the JDK's logging of the exit,
    // classes that the cache then holds too.
    System.exit(0);
  }

  static void run(Path samplesDir, Path work) throws IOException {
    List<Path> samples;
    try (Stream<Path> s = Files.list(samplesDir)) {
      samples =
          s.filter(p -> p.getFileName().toString().endsWith(".eml"))
              .sorted(Comparator.comparing(Path::toString))
              .toList();
    }
    if (samples.isEmpty()) {
      throw new IllegalStateException("no .eml files in " + samplesDir);
    }
    deleteRecursively(work);
    Path spam = Files.createDirectories(work.resolve("spam"));
    Path ham = Files.createDirectories(work.resolve("ham"));
    Path mail = Files.createDirectories(work.resolve("mail"));
    StringBuilder mbox = new StringBuilder();
    for (Path sample : samples) {
      String name = sample.getFileName().toString();
      byte[] bytes = Files.readAllBytes(sample);
      Files.write((name.startsWith("gtube") ? spam : ham).resolve(name), bytes);
      for (int i = 0; i < ROUNDS; i++) {
        // Every other copy as an mbox of one message, as archives and the SpamAssassin corpus
        // store mail: the scan then splits and unquotes it.
        byte[] copy = i % 2 == 0 ? bytes : withFromLine(bytes);
        Files.write(mail.resolve(String.format("%04d-%s", i, name)), copy);
      }
      mbox.append(new String(withFromLine(bytes), StandardCharsets.ISO_8859_1)).append('\n');
    }
    Files.writeString(mail.resolve("all.mbox"), mbox, StandardCharsets.ISO_8859_1);
    List<byte[]> coverage = coverageMessages();
    for (int i = 0; i < coverage.size(); i++) {
      for (int copy = 0; copy < COVERAGE_COPIES; copy++) {
        Files.write(
            mail.resolve(String.format("coverage-%02d-%02d.eml", i, copy)), coverage.get(i));
      }
    }
    Path model = work.resolve("model");
    Path config = work.resolve("config.yaml");
    // The model votes from the first messages learned, so that its classify path runs in full.
    Files.writeString(
        config,
        "model:\n  path: \"" + model + "\"\n  min_ham: 0\n  min_spam: 0\n",
        StandardCharsets.UTF_8);
    command(
        "train", "--config", config.toString(), "--spam", spam.toString(), "--ham", ham.toString());
    command("scan", "--threads", "2", "--json", "--config", config.toString(), mail.toString());
    command("scan", "--threads", "2", "--config", config.toString(), mail.toString());
  }

  private static void command(String... args) {
    PrintStream discard = new PrintStream(OutputStream.nullOutputStream());
    int code = Main.run(args, discard, System.err);
    // scan exits 1 when a message is spam (the GTUBE sample is); anything else is a failure.
    if (code != 0 && !(code == 1 && args[0].equals("scan"))) {
      throw new IllegalStateException(
          "mailfilter " + String.join(" ", args) + " exited " + code + " (stderr above)");
    }
  }

  /** Copies of each coverage message: its paths are rarer in mail than the samples'. */
  static final int COVERAGE_COPIES = 10;

  /**
   * The charsets of the coverage messages: those of the mail that reaches filters in numbers (the
   * SpamAssassin corpus, spam in Chinese, Japanese, Korean and Russian), each with words in its own
   * script.
   */
  private static final List<List<String>> CHARSETS =
      List.of(
          List.of("UTF-8", "Grüße aus Köln: 50% Rabatt auf alle Bücher"),
          List.of("ISO-8859-1", "Grüße aus Köln: Bücher für die Woche"),
          List.of("ISO-8859-15", "Prix spécial: 50 € de réduction"),
          List.of("windows-1252", "Offre spéciale “maintenant” – 50 €"),
          List.of("ISO-8859-2", "Zażółć gęślą jaźń: promocja"),
          List.of("windows-1250", "Příliš žluťoučký kůň: sleva"),
          List.of("windows-1254", "Özel fırsat: şimdi ücretsiz"),
          List.of("KOI8-R", "Скидка на все товары сегодня"),
          List.of("windows-1251", "Бесплатная доставка по всей России"),
          List.of("ISO-2022-JP", "今すぐ無料でお試しください"),
          List.of("Shift_JIS", "限定セール開催中です"),
          List.of("EUC-JP", "お得な情報をお届けします"),
          List.of("GB2312", "免费发票代开，欢迎来电咨询"),
          List.of("GBK", "优惠活动：全场五折"),
          List.of("GB18030", "公司诚招代理商"),
          List.of("Big5", "免費試用，立即註冊"),
          List.of("Big5-HKSCS", "香港特價優惠"),
          List.of("EUC-KR", "무료 상담 지금 바로 연락주세요"),
          List.of("ISO-8859-7", "Δωρεάν αποστολή σήμερα"),
          List.of("UTF-16", "Free offer, Ελλάδα, Россия"));

  /**
   * Messages that take the paths the samples do not: bodies, subjects and display names in the
   * charsets above (base64 bodies and encoded words), HTML with styles that hide text, links to IP
   * literals, IDN hosts, shorteners and a link text that shows another domain. A run that meets
   * them then finds their classes loaded and linked and their call sites bound in the cache rather
   * than loading, linking and compiling the JDK's lambda and concatenation machinery in the middle
   * of a scan.
   */
  static List<byte[]> coverageMessages() {
    List<byte[]> out = new ArrayList<>();
    int n = 0;
    for (List<String> entry : CHARSETS) {
      Charset cs = Charset.forName(entry.get(0));
      String words = entry.get(1);
      String word = Base64.getEncoder().encodeToString(words.getBytes(cs));
      Base64.Encoder body64 = Base64.getMimeEncoder(76, new byte[] {'\n'});
      String head =
          "Received: from mail"
              + n
              + ".example.net (mail"
              + n
              + ".example.net [192.0.2."
              + (n + 1)
              + "])\n\tby mx.example.org (Postfix) with ESMTP id 4F"
              + n
              + "\n\tfor <user@example.org>; Tue, 24 Nov 2026 09:12:44 +0100\n"
              + "Received: from [10.0.0."
              + (n + 1)
              + "] (unknown [198.51.100."
              + (n + 1)
              + "])\n\tby mail"
              + n
              + ".example.net with SMTP; 24 Nov 2026 08:12:40 -0000\n"
              + "From: =?"
              + entry.get(0)
              + "?B?"
              + word
              + "?= <offers@example.net>\n"
              + "Reply-To: \"PayPal support@paypal.com\" <support@other.example>\n"
              + "Return-Path: <bounce-"
              + n
              + "@bounces.example.com>\n"
              + "Sender: \"Offers\" <lists@mailer.example.net>\n"
              + "To: user@example.org\n"
              + "Subject: =?"
              + entry.get(0)
              + "?B?"
              + word
              + "?=\n"
              + "Date: Tue, 24 Nov 2026 09:12:44 +0100\n"
              + "Message-ID: <coverage."
              + n
              + "@example.net>\n"
              + "MIME-Version: 1.0\n"
              + "Content-Type: multipart/alternative; boundary=\"b"
              + n
              + "\"\n\n";
      String html =
          "<html><head><style>.x{display:none} p{color:#333}</style></head><body>"
              + "<p style=\"font-size:14px\">"
              + words
              + "</p><span class=\"x\">hidden words</span>"
              + "<div style=\"display:none;color:white\">more "
              + words
              + "</div><a href=\"http://192.0.2.7/login?id=1&amp;x=2\">www.paypal.com</a> "
              + "<a href=\"http://bit.ly/3xY"
              + n
              + "\">click</a> <a href=\"http://bücher.example/angebot\">Bücher</a> "
              + "<a href=\"https://www.example.com/unsubscribe\">unsubscribe</a>"
              + "<img src=\"http://0x7f.1/pixel.gif\" width=\"1\" height=\"1\">"
              + "<font color=\"#ffffff\">tiny white text</font>&nbsp;&copy;&#8203;&#x200B;"
              + "</body></html>";
      String body =
          "--b"
              + n
              + "\nContent-Type: text/plain; charset=\""
              + entry.get(0)
              + "\"\nContent-Transfer-Encoding: base64\n\n"
              + body64.encodeToString(words.getBytes(cs))
              + "\n--b"
              + n
              + "\nContent-Type: text/html; charset=\""
              + entry.get(0)
              + "\"\nContent-Transfer-Encoding: base64\n\n"
              + body64.encodeToString(html.getBytes(cs))
              + "\n--b"
              + n
              + "--\n";
      out.add((head + body).getBytes(StandardCharsets.ISO_8859_1));
      n++;
    }
    return out;
  }

  private static byte[] withFromLine(byte[] message) {
    byte[] from =
        "From aot-training@example.org Thu Nov 26 08:00:00 2026\n"
            .getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[from.length + message.length];
    System.arraycopy(from, 0, out, 0, from.length);
    System.arraycopy(message, 0, out, from.length, message.length);
    return out;
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    List<Path> paths = new ArrayList<>();
    try (Stream<Path> s = Files.walk(dir)) {
      s.forEach(paths::add);
    }
    for (int i = paths.size() - 1; i >= 0; i--) {
      Files.delete(paths.get(i));
    }
  }
}
