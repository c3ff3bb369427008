package dev.mailfilter.auth;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the shared DKIM corpora are: {@code ../shared} from the worktree, as SpfSuiteTest finds it.
 */
final class DkimCorpus {
  private DkimCorpus() {}

  static Path dkim(String relative) {
    Path shared = Path.of(System.getProperty("mailfilter.shared", "../shared"));
    if (!shared.isAbsolute() && !Files.isDirectory(shared.resolve("corpora"))) {
      shared = Path.of("..").resolve(shared);
    }
    return shared.resolve("corpora/auth/dkim").resolve(relative).normalize();
  }
}
