package dev.mailfilter.mime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The structure pass: one forward scan over the bytes that records offsets only. Every line is read
 * by exactly one consumer (a header block, a multipart body or a leaf body); only a boundary line
 * is looked at twice (by the part it ends and by its multipart), so the work is linear in the input
 * size. Boundaries are matched against the stack of open multiparts without allocating.
 *
 * <p>The one stretch that needs no boundary search (a body or epilogue with no multipart open,
 * which runs to the end of the input) is not read by the structure pass: it is read only for its
 * line defects, so its scan is deferred to {@link #finishDefects()}, which {@link ParsedMessage}
 * calls on the first request for the defects. Bodies inside a multipart are read for delimiters
 * anyway, and their line defects are noted on that same read.
 *
 * <p>One scanner parses one message; it is cheap to create and not reused.
 */
final class MimeScanner {
  static final int FIELD_INTS = 2;

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;
  private static final long LFS = 0x0A0A0A0A0A0A0A0AL;

  private final byte[] b;
  private final int end;
  private final MimeLimits limits;
  private final int maxLineLength;

  // Packed header fields: start and end (after the last line break), absolute indexes. The name's
  // end and the value's range follow from the bytes (nameEnd, valueStart, valueEnd): two ints per
  // field keep the parse's allocation small, most of it is this array.
  int[] fields = new int[FIELD_INTS * 32];
  int fieldCount;

  final List<MimePart> parts = new ArrayList<>();
  final List<Defect> defects = new ArrayList<>(0);
  private final int base;

  private byte[][] boundaries;
  private int openBoundaries;

  // Line-level defects are reported once per message with a count, so a flood of bare LFs or NULs
  // cannot turn into a flood of objects.
  private int highWater;
  private int bareLfCount;
  private int bareLfFirst = -1;
  private int bareCrCount;
  private int bareCrFirst = -1;
  private int nulCount;
  private int nulFirst = -1;
  private int longLineCount;
  private int longLineFirst = -1;
  private int eightBitCount;
  private int eightBitFirst = -1;
  private boolean partLimitReported;

  // Start of the line-scanned-for-defects-only tail of the input, or -1 when there is none (or it
  // was scanned). At most one per message: it runs to the end of the input.
  private int deferredFrom = -1;

  MimeScanner(byte[] bytes, int base, int end, MimeLimits limits) {
    this.b = bytes;
    this.base = base;
    this.end = end;
    this.limits = limits;
    this.maxLineLength = limits.maxLineLength();
    this.highWater = base;
  }

  /** Parses the whole range; returns the root part. */
  MimePart scanMessage(ParsedMessage message) {
    MimePart root = newPart(message, null, 0, 0, false);
    int p = base;
    // An mbox "From " separator line before the first header is not a header; skip it.
    if (end - p >= 5 && b[p] == 'F' && b[p + 1] == 'r' && b[p + 2] == 'o' && b[p + 3] == 'm') {
      if (b[p + 4] == ' ') {
        int le = eol(p);
        defect(DefectType.MALFORMED_HEADER, p, "mbox 'From ' line before the header skipped");
        p = next(le);
      }
    }
    parseEntity(root, p);
    return root;
  }

  /** Whether a stretch of lines is left for {@link #finishDefects()} to scan. */
  boolean hasDeferredLines() {
    return deferredFrom >= 0;
  }

  /**
   * Scans the deferred tail for line defects, adds the line defects and returns all defects in
   * offset order. Called once, after {@link #scanMessage}; the caller serializes calls.
   */
  List<Defect> finishDefects() {
    int p = deferredFrom;
    if (p >= 0) {
      deferredFrom = -1;
      // The same line reads the structure pass would have made: eol keeps its high-water mark, so a
      // first body line already read by the header parser is not counted twice.
      while (p < end) {
        p = next(eol(p));
      }
    }
    reportLineDefects();
    // Stable: defects at one offset keep the order they were found in.
    defects.sort((a, c) -> Long.compare(a.offset(), c.offset()));
    return java.util.Collections.unmodifiableList(defects);
  }

  private MimePart newPart(
      ParsedMessage message, MimePart parent, int index, int depth, boolean embeddedRoot) {
    MimePart part = new MimePart(message, parent, index, depth, embeddedRoot, parts.size());
    parts.add(part);
    return part;
  }

  /**
   * Parses one entity (header and body) starting at {@code p}. Returns where it ended: the start of
   * a boundary line of an enclosing multipart, or the end of input.
   */
  private int parseEntity(MimePart part, int p) {
    part.start = p;
    p = parseHeaders(part, p);
    classify(part);
    if (part.kind == MimePart.MULTIPART) {
      if (part.depth >= limits.maxDepth()) {
        defect(
            DefectType.LIMIT_DEPTH, part.start, "multipart at depth " + part.depth + " not parsed");
        part.kind = MimePart.LEAF;
      } else if (part.boundary == null) {
        defect(DefectType.MISSING_BOUNDARY_PARAMETER, part.start, "multipart without boundary");
        part.kind = MimePart.LEAF;
      } else {
        return parseMultipart(part, p);
      }
    } else if (part.kind == MimePart.MESSAGE) {
      if (part.depth >= limits.maxDepth()) {
        defect(
            DefectType.LIMIT_DEPTH, part.start, "message at depth " + part.depth + " not parsed");
        part.kind = MimePart.LEAF;
      } else if (parts.size() >= limits.maxParts()) {
        partLimit(p);
        part.kind = MimePart.LEAF;
      } else {
        MimePart inner = newPart(part.message, part, 0, part.depth + 1, true);
        part.embedded = inner;
        int stop = parseEntity(inner, p);
        part.bodyEnd = inner.bodyEnd;
        return stop;
      }
    }
    return parseLeafBody(part, p);
  }

  private int parseLeafBody(MimePart part, int p) {
    if (openBoundaries == 0) {
      // No delimiter can end this body: it runs to the end, and only its line defects need a read.
      deferLines(p);
      part.bodyEnd = end;
      return end;
    }
    while (p < end) {
      int le = eol(p);
      if (b[p] == '-' && matchBoundary(p, le) >= 0) {
        part.bodyEnd = before(p, part.bodyStart);
        return p;
      }
      p = next(le);
    }
    part.bodyEnd = end;
    return end;
  }

  private int parseMultipart(MimePart part, int p) {
    int mine = push(part.boundary);
    part.children = new ArrayList<>();
    part.preambleStart = p;
    boolean closed = false;
    boolean sawDelimiter = false;
    while (p < end) {
      int le = eol(p);
      int m = b[p] == '-' ? matchBoundary(p, le) : -1;
      if (m < 0) {
        p = next(le);
        continue;
      }
      if ((m >> 1) != mine) {
        // An enclosing multipart's boundary: this one ends without its close delimiter.
        defect(DefectType.CLOSE_BOUNDARY_MISSING, p, "multipart ended by an outer boundary");
        if (!sawDelimiter) {
          part.preambleEnd = before(p, part.preambleStart);
        }
        openBoundaries = mine;
        part.bodyEnd = before(p, part.bodyStart);
        finishMultipart(part, sawDelimiter);
        return p;
      }
      if (!sawDelimiter) {
        part.preambleEnd = before(p, part.preambleStart);
        sawDelimiter = true;
      }
      p = next(le);
      if ((m & 1) != 0) {
        closed = true;
        break;
      }
      if (parts.size() >= limits.maxParts()) {
        partLimit(p);
        continue; // the lines of the unrecorded part are read as part of this body
      }
      MimePart child = newPart(part.message, part, part.children.size() + 1, part.depth + 1, false);
      child.digestChild = part.isDigest;
      part.children.add(child);
      p = parseEntity(child, p);
    }
    openBoundaries = mine;
    if (!closed) {
      if (!sawDelimiter) {
        part.preambleEnd = end;
      }
      defect(DefectType.CLOSE_BOUNDARY_MISSING, end, "no close delimiter before end of input");
      part.bodyEnd = end;
      finishMultipart(part, sawDelimiter);
      return end;
    }
    // Epilogue: up to the next boundary of an enclosing multipart, or the end.
    part.epilogueStart = p;
    if (openBoundaries == 0) {
      deferLines(p);
      p = end;
    }
    while (p < end) {
      int le = eol(p);
      if (openBoundaries > 0 && b[p] == '-' && matchBoundary(p, le) >= 0) {
        // RFC 2046: the line break before the enclosing delimiter belongs to that delimiter, even
        // when it is the one that ended this close delimiter's line (an empty epilogue).
        int cut = before(p, part.bodyStart);
        part.epilogueEnd = Math.max(part.epilogueStart, cut);
        part.bodyEnd = cut;
        finishMultipart(part, true);
        return p;
      }
      p = next(le);
    }
    part.epilogueEnd = end;
    part.bodyEnd = end;
    finishMultipart(part, true);
    return end;
  }

  private void deferLines(int p) {
    if (p < end) {
      deferredFrom = p;
    }
  }

  private void finishMultipart(MimePart part, boolean sawDelimiter) {
    if (!sawDelimiter) {
      defect(
          DefectType.START_BOUNDARY_NOT_FOUND,
          part.bodyStart,
          "no delimiter line for boundary '"
              + new String(part.boundary, java.nio.charset.StandardCharsets.ISO_8859_1)
              + "'");
    }
    if (part.children.isEmpty()) {
      defect(DefectType.MULTIPART_WITHOUT_PARTS, part.start, "multipart has no parts");
    }
  }

  private void partLimit(int p) {
    if (!partLimitReported) {
      partLimitReported = true;
      defect(
          DefectType.LIMIT_PARTS, p, "more than " + limits.maxParts() + " parts; rest not parsed");
    }
  }

  private int push(byte[] boundary) {
    if (boundaries == null) {
      boundaries = new byte[8][];
    } else if (openBoundaries == boundaries.length) {
      boundaries = Arrays.copyOf(boundaries, boundaries.length * 2);
    }
    boundaries[openBoundaries] = boundary;
    return openBoundaries++;
  }

  /**
   * Matches a line against the open boundaries. Returns {@code -1}, or the stack index times two
   * plus one for a close delimiter. RFC 2046 section 5.1.1 allows only white space after "--"
   * boundary [ "--" ]; like mime4j and common MUAs we also accept text after a close delimiter or
   * after white space ("--b--</HTML>" is common in spam), but never a boundary directly followed by
   * other characters, which would confuse "--ab" with "--abc".
   */
  private int matchBoundary(int p, int le) {
    if (le - p < 2 || b[p] != '-' || b[p + 1] != '-') {
      return -1;
    }
    int avail = le - p - 2;
    // Outermost first: when an inner multipart reuses an enclosing boundary (forbidden by RFC 2046
    // section 5.1.1), the line belongs to the enclosing one, as Python's email and mime4j read it.
    for (int k = 0; k < openBoundaries; k++) {
      byte[] bd = boundaries[k];
      int n = bd.length;
      if (avail < n || !Arrays.equals(b, p + 2, p + 2 + n, bd, 0, n)) {
        continue;
      }
      int q = p + 2 + n;
      if (q + 1 < le && b[q] == '-' && b[q + 1] == '-') {
        return k * 2 + 1;
      }
      if (q == le || b[q] == ' ' || b[q] == '\t' || b[q] == '\r') {
        return k * 2;
      }
    }
    return -1;
  }

  /** Where content before the line at {@code lineStart} ends: the line break belongs to it. */
  private int before(int lineStart, int floor) {
    int e = lineStart;
    if (e > floor && b[e - 1] == '\n') {
      e--;
      if (e > floor && b[e - 1] == '\r') {
        e--;
      }
    }
    return e;
  }

  private int next(int le) {
    return le < end ? le + 1 : end;
  }

  /**
   * The high bit of each byte of {@code w} (little endian) that is in [0, 13], the SWAR "has less
   * than" test: zero when there is none. A borrow can mark a byte above a marked one, never below,
   * so the lowest mark is exact.
   */
  private static long controlMask(long w) {
    return (w - 14 * ONES) & ~w & HIGHS;
  }

  /** Like {@link #controlMask} for LF bytes: the lowest mark is the first LF. */
  private static long lfMask(long w) {
    long x = w ^ LFS;
    return (x - ONES) & ~x & HIGHS;
  }

  /**
   * The end of a field's name: its colon, or, in obsolete syntax (RFC 5322 section 4.5.1), the
   * white space before the colon. The same rule the parse used to accept the field.
   */
  static int nameEnd(byte[] b, int fieldStart) {
    int i = fieldStart;
    while (!endsName(b[i])) {
      i++;
    }
    return i;
  }

  /** Whether a byte ends a field name: its colon, white space or a control character. */
  static boolean endsName(int c) {
    return c == ':' || (c <= ' ' && c >= 0) || c == 127;
  }

  /**
   * The start of a field's value: after the colon and the white space that follows it, at most
   * {@code valueEnd}.
   */
  static int valueStart(byte[] b, int fieldStart, int valueEnd) {
    int i = nameEnd(b, fieldStart);
    while (b[i] != ':') {
      i++; // white space of the obsolete syntax; the parse saw the colon
    }
    i++;
    while (i < valueEnd && (b[i] == ' ' || b[i] == '\t')) {
      i++;
    }
    return Math.min(i, valueEnd);
  }

  /** The end of a field's value: its end without the last line break (LF or CRLF). */
  static int valueEnd(byte[] b, int fieldEnd) {
    int le = fieldEnd > 0 && b[fieldEnd - 1] == '\n' ? fieldEnd - 1 : fieldEnd;
    return le > 0 && b[le - 1] == '\r' ? le - 1 : le;
  }

  /** Index of the LF ending the line at {@code p}, or {@code end}; notes line defects once. */
  private int eol(int p) {
    final byte[] b = this.b;
    final int e = end;
    int i = p;
    if (p < highWater) {
      // Eight bytes at a time: most words of a line hold no LF.
      while (i + 8 <= e) {
        long m = lfMask((long) LONGS.get(b, i));
        if (m != 0) {
          return i + (Long.numberOfTrailingZeros(m) >>> 3);
        }
        i += 8;
      }
      while (i < e && b[i] != '\n') {
        i++;
      }
      return i;
    }
    while (i < e) {
      // Eight bytes at a time: most words of text hold no control byte [0, 13]; in a word that
      // does, jump to the first one (the lowest marked byte is exact), so none is missed.
      if (i + 8 <= e) {
        long m = controlMask((long) LONGS.get(b, i));
        if (m == 0) {
          i += 8;
          continue;
        }
        i += Long.numberOfTrailingZeros(m) >>> 3;
      }
      byte c = b[i];
      if (c <= '\r' && c >= 0) {
        if (c == '\n') {
          break;
        }
        if (c == 0) {
          if (nulCount++ == 0) {
            nulFirst = i;
          }
        } else if (c == '\r' && i + 1 < e && b[i + 1] != '\n') {
          if (bareCrCount++ == 0) {
            bareCrFirst = i;
          }
        }
      }
      i++;
    }
    if (i < e && (i == p || b[i - 1] != '\r')) {
      if (bareLfCount++ == 0) {
        bareLfFirst = i;
      }
    }
    if (i - p > maxLineLength) {
      if (longLineCount++ == 0) {
        longLineFirst = p;
      }
    }
    highWater = i + 1;
    return i;
  }

  private int parseHeaders(MimePart part, int p) {
    part.fieldFirst = fieldCount;
    int open = -1; // index of the field being extended by folded lines, or -1
    boolean dropping = false; // inside a field that is skipped because of a limit
    boolean countReported = false;
    while (p < end) {
      int le = eol(p);
      int contentEnd = le > p && b[le - 1] == '\r' ? le - 1 : le;
      if (contentEnd == p) {
        part.headerEnd = p;
        part.bodyStart = next(le);
        part.fieldCount = fieldCount - part.fieldFirst;
        return part.bodyStart;
      }
      byte c0 = b[p];
      if (c0 == ' ' || c0 == '\t') {
        if (open >= 0) {
          int f = open * FIELD_INTS;
          if (next(le) - fields[f] > limits.maxHeaderSize()) {
            defect(
                DefectType.LIMIT_HEADER_SIZE,
                fields[f],
                "header field larger than " + limits.maxHeaderSize() + " bytes skipped");
            fieldCount = open;
            open = -1;
            dropping = true;
          } else {
            fields[f + 1] = next(le);
            eightBit(p, contentEnd);
          }
        } else if (!dropping) {
          defect(DefectType.MALFORMED_HEADER, p, "folded line without a header field");
        }
        p = next(le);
        continue;
      }
      if (c0 == '-' && openBoundaries > 0 && matchBoundary(p, le) >= 0) {
        defect(DefectType.MISSING_HEADER_BODY_SEPARATOR, p, "boundary inside the header");
        part.headerEnd = p;
        part.bodyStart = p;
        part.fieldCount = fieldCount - part.fieldFirst;
        return p;
      }
      int colon = -1;
      for (int i = p; i < contentEnd; i++) {
        byte c = b[i];
        if (c == ':') {
          colon = i;
          break;
        }
        if ((c <= ' ' && c >= 0) || c == 127) {
          break; // 8-bit bytes are tolerated in names (reported), as mime4j and MUAs read them
        }
      }
      int nameEnd = colon;
      if (colon < 0) {
        // Obsolete syntax (RFC 5322 section 4.5.1) allows white space before the colon.
        int i = p;
        while (i < contentEnd && (b[i] > ' ' || b[i] < 0) && b[i] != 127 && b[i] != ':') {
          i++;
        }
        nameEnd = i;
        while (i < contentEnd && (b[i] == ' ' || b[i] == '\t')) {
          i++;
        }
        if (i < contentEnd && b[i] == ':' && nameEnd > p) {
          colon = i;
        }
      }
      if (colon <= p) {
        // Not a header field: the header ends here without its blank line (RFC 5322 section 3.5),
        // and this line is the first line of the body, as Python's email package reads it.
        defect(DefectType.MISSING_HEADER_BODY_SEPARATOR, p, "line without a colon ends the header");
        part.headerEnd = p;
        part.bodyStart = p;
        part.fieldCount = fieldCount - part.fieldFirst;
        return p;
      }
      open = -1;
      dropping = false;
      if (fieldCount - part.fieldFirst >= limits.maxHeaderCount()) {
        if (!countReported) {
          countReported = true;
          defect(
              DefectType.LIMIT_HEADER_COUNT,
              p,
              "more than " + limits.maxHeaderCount() + " header fields; rest skipped");
        }
        dropping = true;
        p = next(le);
        continue;
      }
      if (next(le) - p > limits.maxHeaderSize()) {
        defect(
            DefectType.LIMIT_HEADER_SIZE,
            p,
            "header field larger than " + limits.maxHeaderSize() + " bytes skipped");
        dropping = true;
        p = next(le);
        continue;
      }
      eightBit(p, contentEnd);
      int f = fieldCount * FIELD_INTS;
      if (f + FIELD_INTS > fields.length) {
        fields = Arrays.copyOf(fields, fields.length * 2);
      }
      fields[f] = p;
      fields[f + 1] = next(le);
      open = fieldCount++;
      p = next(le);
    }
    part.headerEnd = end;
    part.bodyStart = end;
    part.fieldCount = fieldCount - part.fieldFirst;
    if (part.fieldCount > 0 || part.start < end) {
      defect(DefectType.MISSING_HEADER_BODY_SEPARATOR, end, "input ends inside the header");
    }
    return end;
  }

  private void eightBit(int from, int to) {
    int i = from;
    while (i + 8 <= to && ((long) LONGS.get(b, i) & HIGHS) == 0) {
      i += 8;
    }
    for (; i < to; i++) {
      if (b[i] < 0) {
        if (eightBitCount++ == 0) {
          eightBitFirst = i;
        }
        return;
      }
    }
  }

  private static final byte[] CONTENT_TYPE =
      "content-type".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  /** Finds Content-Type with a byte-level scan: type, subtype, and the boundary for multiparts. */
  private void classify(MimePart part) {
    int found = -1;
    for (int i = part.fieldFirst, n = i + part.fieldCount; i < n; i++) {
      int f = i * FIELD_INTS;
      if (startsWithC(fields[f])
          && nameEnd(b, fields[f]) - fields[f] == 12
          && equalsIgnoreCase(fields[f], CONTENT_TYPE)) {
        if (found < 0) {
          found = i;
        } else {
          defect(DefectType.DUPLICATE_HEADER, fields[f], "second Content-Type field ignored");
          break;
        }
      }
    }
    if (found < 0) {
      part.kind = part.digestChild ? MimePart.MESSAGE : MimePart.LEAF;
      return;
    }
    int f = found * FIELD_INTS;
    int ve = valueEnd(b, fields[f + 1]);
    int vs = valueStart(b, fields[f], ve);
    int q = skipCfws(vs, ve);
    int ts = q;
    while (q < ve && isTokenChar(b[q])) {
      q++;
    }
    int te = q;
    q = skipCfws(q, ve);
    if (te == ts || q >= ve || b[q] != '/') {
      defect(DefectType.INVALID_CONTENT_TYPE, fields[f], "Content-Type without type/subtype");
      part.kind = part.digestChild ? MimePart.MESSAGE : MimePart.LEAF;
      return;
    }
    q = skipCfws(q + 1, ve);
    int ss = q;
    while (q < ve && isTokenChar(b[q])) {
      q++;
    }
    int se = q;
    if (se == ss) {
      defect(DefectType.INVALID_CONTENT_TYPE, fields[f], "Content-Type without subtype");
      part.kind = part.digestChild ? MimePart.MESSAGE : MimePart.LEAF;
      return;
    }
    part.contentTypeField = found;
    part.typeStart = ts;
    part.typeEnd = te;
    part.subtypeStart = ss;
    part.subtypeEnd = se;
    if (regionIs(ts, te, "multipart")) {
      part.kind = MimePart.MULTIPART;
      part.isDigest = regionIs(ss, se, "digest");
      int cte = encodedTransfer(part);
      if (cte >= 0) {
        // RFC 2045 section 6.4: never valid on a multipart; parsed as a multipart regardless,
        // as Python's email and mime4j do.
        defect(
            DefectType.TRANSFER_ENCODING_ON_COMPOSITE,
            fields[cte * FIELD_INTS],
            "multipart with a transfer encoding; encoding ignored");
      }
      part.boundary = findParameter(q, ve, "boundary");
      if (part.boundary != null && part.boundary.length == 0) {
        part.boundary = null;
      }
    } else if (regionIs(ts, te, "message") && regionIs(ss, se, "rfc822")) {
      // RFC 2046 section 5.2.1 allows only 7bit, 8bit and binary here. An encoded message cannot
      // be parsed in place, so it stays an opaque leaf; its decoded body can be parsed on its own.
      int cte = encodedTransfer(part);
      if (cte >= 0) {
        defect(
            DefectType.TRANSFER_ENCODING_ON_COMPOSITE,
            fields[cte * FIELD_INTS],
            "message/rfc822 with a transfer encoding kept as a leaf");
        part.kind = MimePart.LEAF;
      } else {
        part.kind = MimePart.MESSAGE;
      }
    } else {
      part.kind = MimePart.LEAF;
    }
  }

  private static final byte[] CONTENT_TRANSFER_ENCODING =
      "content-transfer-encoding".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  /** The Content-Transfer-Encoding field if it names anything but 7bit, 8bit or binary; or -1. */
  private int encodedTransfer(MimePart part) {
    for (int i = part.fieldFirst, n = i + part.fieldCount; i < n; i++) {
      int f = i * FIELD_INTS;
      if (startsWithC(fields[f])
          && nameEnd(b, fields[f]) - fields[f] == 25
          && equalsIgnoreCase(fields[f], CONTENT_TRANSFER_ENCODING)) {
        int end = valueEnd(b, fields[f + 1]);
        int vs = skipCfws(valueStart(b, fields[f], end), end);
        int ve = vs;
        while (ve < end && isTokenChar(b[ve])) {
          ve++;
        }
        boolean identity =
            ve == vs
                || regionIs(vs, ve, "7bit")
                || regionIs(vs, ve, "8bit")
                || regionIs(vs, ve, "binary");
        return identity ? -1 : i;
      }
    }
    return -1;
  }

  /** The unquoted value of parameter {@code name} in {@code [p, e)}, or null. */
  private byte[] findParameter(int p, int e, String name) {
    while (p < e) {
      // Move to the next ';' outside quotes.
      while (p < e && b[p] != ';') {
        if (b[p] == '"') {
          p = skipQuoted(p, e);
        } else {
          p++;
        }
      }
      if (p >= e) {
        return null;
      }
      p = skipCfws(p + 1, e);
      int ns = p;
      while (p < e && isTokenChar(b[p])) {
        p++;
      }
      int ne = p;
      p = skipCfws(p, e);
      if (p >= e || b[p] != '=') {
        continue;
      }
      p = skipCfws(p + 1, e);
      if (!regionIs(ns, ne, name)) {
        continue;
      }
      if (p < e && b[p] == '"') {
        int qe = skipQuoted(p, e);
        int closeQuote = qe > p + 1 && b[qe - 1] == '"' ? qe - 1 : qe;
        byte[] out = new byte[closeQuote - p - 1];
        int n = 0;
        for (int i = p + 1; i < closeQuote; i++) {
          byte c = b[i];
          if (c == '\\' && i + 1 < closeQuote) {
            c = b[++i];
          } else if (c == '\r' || c == '\n') {
            continue; // folding inside a quoted string
          }
          out[n++] = c;
        }
        return n == out.length ? out : Arrays.copyOf(out, n);
      }
      int vs = p;
      while (p < e && b[p] != ';' && b[p] != ' ' && b[p] != '\t' && b[p] != '\r' && b[p] != '\n') {
        p++;
      }
      return Arrays.copyOfRange(b, vs, p);
    }
    return null;
  }

  /** From the opening quote at {@code p}: the index after the closing quote (or {@code e}). */
  private int skipQuoted(int p, int e) {
    int i = p + 1;
    while (i < e) {
      byte c = b[i];
      if (c == '\\') {
        i += 2;
        continue;
      }
      if (c == '"') {
        return i + 1;
      }
      i++;
    }
    return e;
  }

  /** Skips white space, folding and (nested) comments. */
  private int skipCfws(int p, int e) {
    while (p < e) {
      byte c = b[p];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        p++;
      } else if (c == '(') {
        int depth = 1;
        p++;
        while (p < e && depth > 0) {
          c = b[p++];
          if (c == '\\') {
            p++;
          } else if (c == '(') {
            depth++;
          } else if (c == ')') {
            depth--;
          }
        }
      } else {
        break;
      }
    }
    return Math.min(p, e);
  }

  /** RFC 2045 token characters: no CTLs, space or tspecials. */
  static boolean isTokenChar(byte c) {
    if (c <= ' ' || c >= 127) {
      return false;
    }
    return switch (c) {
      case '(', ')', '<', '>', '@', ',', ';', ':', '\\', '"', '/', '[', ']', '?', '=' -> false;
      default -> true;
    };
  }

  private boolean regionIs(int s, int e, String lower) {
    if (e - s != lower.length()) {
      return false;
    }
    for (int i = 0; i < lower.length(); i++) {
      int c = b[s + i];
      if (c >= 'A' && c <= 'Z') {
        c += 32;
      }
      if (c != lower.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /** A cheap first test before measuring a name: both names looked for start with a C. */
  private boolean startsWithC(int s) {
    return (b[s] | 0x20) == 'c';
  }

  private boolean equalsIgnoreCase(int s, byte[] lower) {
    for (int i = 0; i < lower.length; i++) {
      int c = b[s + i];
      if (c >= 'A' && c <= 'Z') {
        c += 32;
      }
      if (c != lower[i]) {
        return false;
      }
    }
    return true;
  }

  private void defect(DefectType type, int at, String detail) {
    defects.add(Defect.at(type, at - base, detail));
  }

  private void reportLineDefects() {
    lineDefect(DefectType.BARE_LF, bareLfCount, bareLfFirst, "line ended by LF without CR");
    lineDefect(DefectType.BARE_CR, bareCrCount, bareCrFirst, "CR not followed by LF");
    lineDefect(DefectType.NUL_BYTE, nulCount, nulFirst, "NUL byte");
    lineDefect(
        DefectType.LINE_TOO_LONG,
        longLineCount,
        longLineFirst,
        "line longer than " + limits.maxLineLength() + " bytes");
    lineDefect(
        DefectType.EIGHT_BIT_HEADER, eightBitCount, eightBitFirst, "8-bit byte in a header field");
  }

  private void lineDefect(DefectType type, int count, int first, String what) {
    if (count > 0) {
      defect(type, first, what + (count > 1 ? " (" + count + " lines)" : ""));
    }
  }
}
