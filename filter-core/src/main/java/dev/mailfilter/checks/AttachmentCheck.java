package dev.mailfilter.checks;

import dev.mailfilter.api.Stage;
import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.mime.MimePart;
import dev.mailfilter.mime.content.ArchiveLimits;
import dev.mailfilter.mime.content.ArchiveListing;
import dev.mailfilter.mime.content.Archives;
import dev.mailfilter.mime.content.FileNames;
import dev.mailfilter.mime.content.OfficeMacros;
import dev.mailfilter.mime.content.TypeSniffer;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.CheckSetup;
import dev.mailfilter.spi.SymbolDef;
import java.util.List;
import java.util.Optional;

/**
 * Attachments that run code when opened: dangerous extensions (Outlook's blocked list), decoy
 * double extensions ({@code invoice.pdf.exe}) and names reordered by a right-to-left override,
 * executables whose name hides what they are (found by content sniffing), dangerous entries inside
 * archives (nested ones too), encrypted archives (a password in the text defeats every scanner),
 * and macro-enabled Office documents. Archive listing works within {@code archive_limits}; Office
 * detection reads directory structures only. Past {@value #MAX_ATTACHMENTS} attachments, and for
 * parts past {@code mime.max_parts} (which the parser leaves unparsed), names alone are judged.
 */
public final class AttachmentCheck extends LocalCheck {
  private static final List<SymbolDef> SYMBOLS =
      List.of(
          SymbolDef.of("DANGEROUS_ATTACHMENT", 4.0, "an attachment's extension runs code"),
          SymbolDef.of("DOUBLE_EXTENSION", 3.0, "a decoy extension before a dangerous one"),
          SymbolDef.of("MIME_BAD_UNICODE", 5.0, "a file name reordered by bidi controls (RLO)"),
          SymbolDef.of("SNIFFED_EXECUTABLE", 5.0, "an executable whose name does not say so"),
          SymbolDef.of("ARCHIVE_DANGEROUS_ENTRY", 4.0, "an archive holds a dangerous file"),
          SymbolDef.of("ENCRYPTED_ARCHIVE", 2.0, "an archive is password protected"),
          SymbolDef.of("OFFICE_MACRO", 3.0, "an Office document carries macros"));

  /** Attachments examined; more are left alone (the MIME limits bound the parts anyway). */
  static final int MAX_ATTACHMENTS = 100;

  private final ArchiveLimits limits;

  private AttachmentCheck(ArchiveLimits limits) {
    super("attachments", Stage.DATA, SYMBOLS);
    this.limits = limits;
  }

  /**
   * Factory for {@code checks.attachments}: options {@code max_archive_entries}, {@code
   * max_archive_depth}, {@code max_archive_inflated}.
   */
  public static AttachmentCheck create(CheckSetup setup) {
    ConfigNode o = setup.options();
    ArchiveLimits d = ArchiveLimits.DEFAULT;
    return new AttachmentCheck(
        new ArchiveLimits(
            (int) o.integer("max_archive_entries", d.maxEntries(), 1, 1_000_000),
            (int) o.integer("max_archive_depth", d.maxDepth(), 1, 32),
            o.bytes("max_archive_inflated", d.maxInflatedBytes()),
            d.maxRatio()));
  }

  @Override
  public void run(CheckContext ctx) {
    // Parts past mime.max_parts or mime.max_depth are not parsed, but their names are still read:
    // exceeding a limit must not cost an attacker the score of what it hides.
    for (String name : ctx.message().fileNamesBeyondLimits()) {
      byName(ctx, name, name + " (past a MIME limit)");
    }
    int seen = 0;
    for (MimePart p : ctx.message().parts()) {
      if (!p.isAttachment()) {
        continue;
      }
      if (++seen > MAX_ATTACHMENTS) {
        // Past the bound only the name is judged: cheap, and a limit must not hide an .exe.
        p.filename().ifPresent(n -> byName(ctx, n, n));
        continue;
      }
      Optional<String> filename = p.filename();
      // One copy per attachment: the sniffers take arrays, and ByteView keeps its array private.
      byte[] body = p.decodedBody().toByteArray();
      String sniffed = TypeSniffer.sniff(body, 0, body.length);
      String label = filename.orElse(p.path());
      boolean dangerousName = false;
      boolean macroName = false;
      if (filename.isPresent()) {
        FileNames.Classification c = byName(ctx, filename.get(), label);
        dangerousName = c.dangerous();
        macroName = c.macroEnabledOffice();
      }
      if (isBinaryExecutable(sniffed) && !dangerousName) {
        ctx.addSymbol("SNIFFED_EXECUTABLE", label + " is " + sniffed);
      }
      ArchiveListing listing = Archives.list(body, 0, body.length, limits);
      if (listing.format() != ArchiveListing.Format.NONE) {
        for (ArchiveListing.Entry e : listing.entries()) {
          if (e.directory()) {
            continue;
          }
          String name = e.path().substring(e.path().lastIndexOf('/') + 1);
          FileNames.Classification c = FileNames.classify(name);
          if (c.dangerous() || c.usesBidiControl() || isBinaryExecutable(e.sniffedType())) {
            ctx.addSymbol("ARCHIVE_DANGEROUS_ENTRY", label + ": " + e.path());
          }
        }
        if (listing.anyEncrypted()) {
          ctx.addSymbol("ENCRYPTED_ARCHIVE", label);
        }
      }
      OfficeMacros.Result office = OfficeMacros.detect(body, 0, body.length);
      if (office.hasMacros() || (macroName && office.container() != OfficeMacros.Container.NONE)) {
        ctx.addSymbol("OFFICE_MACRO", label);
      }
    }
  }

  /** Flags a file name that runs code, hides its extension or is reordered by bidi controls. */
  private static FileNames.Classification byName(CheckContext ctx, String name, String label) {
    FileNames.Classification c = FileNames.classify(name);
    if (c.dangerous()) {
      ctx.addSymbol("DANGEROUS_ATTACHMENT", label);
    }
    if (c.doubleExtension() || c.paddedExtension()) {
      ctx.addSymbol("DOUBLE_EXTENSION", label);
    }
    if (c.usesBidiControl()) {
      ctx.addSymbol("MIME_BAD_UNICODE", label);
    }
    return c;
  }

  /**
   * Programs rather than scripts: a script's text is also a patch or an example in a developer's
   * mail, and its name says what it is; a binary executable has no business hiding in mail.
   */
  private static boolean isBinaryExecutable(String type) {
    return TypeSniffer.isExecutable(type) && !type.startsWith("text/");
  }
}
