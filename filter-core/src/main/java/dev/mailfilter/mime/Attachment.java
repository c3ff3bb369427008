package dev.mailfilter.mime;

import java.util.Objects;
import java.util.Optional;

/**
 * An attachment of a message, as the checks see it.
 *
 * @param path the part's {@link MimePart#path()}
 * @param filename the file name from Content-Disposition or Content-Type (RFC 2231 and RFC 2047
 *     decoded), if any
 * @param declaredType the declared media type, lower case
 * @param sniffedType the media type recognised from the decoded content's magic bytes
 * @param size decoded size in bytes
 * @param sha256 lower-case hex SHA-256 of the decoded content
 */
public record Attachment(
    String path,
    Optional<String> filename,
    String declaredType,
    String sniffedType,
    long size,
    String sha256) {
  /** Validates the fields. */
  public Attachment {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(filename, "filename");
    Objects.requireNonNull(declaredType, "declaredType");
    Objects.requireNonNull(sniffedType, "sniffedType");
    Objects.requireNonNull(sha256, "sha256");
  }
}
