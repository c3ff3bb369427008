package dev.mailfilter.mime;

/**
 * The kinds of {@link Defect} the parser and decoders report. Names are stable: checks turn them
 * into symbols ({@code MIME_} + name) that users grep for.
 */
public enum DefectType {
  // Line and byte level.
  BARE_LF,
  BARE_CR,
  NUL_BYTE,
  LINE_TOO_LONG,
  EIGHT_BIT_HEADER,

  // Header level.
  MALFORMED_HEADER,
  MISSING_HEADER_BODY_SEPARATOR,
  DUPLICATE_HEADER,
  INVALID_CONTENT_TYPE,
  INVALID_PARAMETER,
  UNKNOWN_TRANSFER_ENCODING,
  UNTERMINATED_ENCODED_WORD,
  INVALID_ENCODED_WORD,
  UNKNOWN_CHARSET,
  MALFORMED_ADDRESS,

  // Structure.
  MISSING_BOUNDARY_PARAMETER,
  START_BOUNDARY_NOT_FOUND,
  CLOSE_BOUNDARY_MISSING,
  MULTIPART_WITHOUT_PARTS,
  TRANSFER_ENCODING_ON_COMPOSITE,

  // Body decoding.
  INVALID_BASE64,
  BASE64_PADDING,
  INVALID_QUOTED_PRINTABLE,
  MALFORMED_TEXT,

  // Limits from {@code MimeLimits}: the parse stopped descending or counting here.
  LIMIT_DEPTH,
  LIMIT_PARTS,
  LIMIT_HEADER_COUNT,
  LIMIT_HEADER_SIZE,
  LIMIT_LINE_LENGTH,
  LIMIT_MESSAGE_SIZE,
}
