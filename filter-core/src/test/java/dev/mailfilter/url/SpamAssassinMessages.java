package dev.mailfilter.url;

import dev.mailfilter.mime.MessageParser;
import dev.mailfilter.mime.ParsedMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The SpamAssassin public corpus (easy ham, hard ham, spam), parsed once for the URL tests. */
final class SpamAssassinMessages {
  private SpamAssassinMessages() {}

  record Message(String name, ParsedMessage parsed) {}

  private static List<Message> all;

  static synchronized List<Message> all() {
    if (all == null) {
      all = load();
    }
    return all;
  }

  private static List<Message> load() {
    Path root =
        Path.of(
            System.getProperty("mailfilter.shared", "../shared"),
            "corpora",
            "spamassassin-public-corpus");
    MessageParser parser = MessageParser.create();
    List<Message> out = new ArrayList<>();
    for (String folder : List.of("easy_ham", "hard_ham", "spam")) {
      try (Stream<Path> files = Files.list(root.resolve(folder))) {
        for (Path p : files.filter(Files::isRegularFile).sorted().toList()) {
          if (!p.getFileName().toString().startsWith(".")) {
            out.add(
                new Message(folder + "/" + p.getFileName(), parser.parse(Files.readAllBytes(p))));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    if (out.size() < 3000) {
      throw new IllegalStateException("corpus incomplete under " + root.toAbsolutePath());
    }
    return out;
  }
}
