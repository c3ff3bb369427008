package dev.mailfilter.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The binaries the interop tests run, each from the Debian package that ships it. A missing one is
 * a failed test, never a skipped one: {@code bin/test} installs every package listed in {@code
 * .ci/packages}, so a test that silently skipped would hide a broken setup.
 */
public final class DebianPackage {
  private DebianPackage() {}

  /**
   * Returns {@code binary} when it is executable, else throws an {@link AssertionError} whose one
   * line names the package to install.
   */
  public static Path require(Path binary, String debianPackage) {
    if (!Files.isExecutable(binary)) {
      throw new AssertionError(
          binary
              + " is missing: install the Debian package "
              + debianPackage
              + " (bin/test installs the packages listed in .ci/packages)");
    }
    return binary;
  }
}
