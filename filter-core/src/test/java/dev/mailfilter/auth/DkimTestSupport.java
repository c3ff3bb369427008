package dev.mailfilter.auth;

import dev.mailfilter.mime.ByteView;
import dev.mailfilter.mime.MessageParser;
import dev.mailfilter.mime.ParsedMessage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/** Reading the DKIM corpora, and a small signer for round trips built from the primitives. */
final class DkimTestSupport {
  private DkimTestSupport() {}

  /** The message bytes with every bare LF made CRLF (the corpora mostly use LF). */
  static byte[] crlf(byte[] in) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + in.length / 20);
    for (int i = 0; i < in.length; i++) {
      if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r')) {
        out.write('\r');
      }
      out.write(in[i]);
    }
    return out.toByteArray();
  }

  static ParsedMessage parse(byte[] crlfMessage) {
    return MessageParser.create().parse(crlfMessage);
  }

  /** A Stalwart vector: {@code name value} DNS lines, an empty line, the message (LF). */
  record Vector(Map<String, List<String>> dns, byte[] message) {}

  static Vector stalwart(Path file) throws Exception {
    String all = Files.readString(file, StandardCharsets.ISO_8859_1);
    int split = all.indexOf("\n\n");
    Map<String, List<String>> dns = new LinkedHashMap<>();
    for (String line : all.substring(0, split).split("\n")) {
      int sp = line.indexOf(' ');
      dns.computeIfAbsent(
              line.substring(0, sp).toLowerCase(java.util.Locale.ROOT), k -> new ArrayList<>())
          .add(line.substring(sp + 1));
    }
    byte[] msg = all.substring(split + 2).getBytes(StandardCharsets.ISO_8859_1);
    return new Vector(dns, crlf(msg));
  }

  /** A PEM private key, PKCS#8 or PKCS#1 RSA. */
  static PrivateKey pemPrivateKey(String pem) throws Exception {
    boolean pkcs1 = pem.contains("BEGIN RSA PRIVATE KEY");
    String b64 = pem.replaceAll("-----[^-]+-----", "").replaceAll("\\s", "");
    byte[] der = Base64.getDecoder().decode(b64);
    if (pkcs1) {
      der = Der.rsaPrivateKeyInfo(der);
    }
    return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
  }

  /** Signs {@code message} (CRLF) and returns it with the new DKIM-Signature on top. */
  static byte[] sign(
      byte[] message,
      DkimAlgorithm a,
      PrivateKey key,
      String domain,
      String selector,
      Canonicalization hc,
      Canonicalization bc,
      List<String> headers,
      OptionalLong length,
      String extraTags) {
    ParsedMessage m = parse(message);
    ByteView all = m.bytes();
    ByteView body = all.slice((int) Math.min(m.root().bodyStart(), all.size()), all.size());
    Canonicalization.BodyHash bh = bc.hashBody(body, length.orElse(-1));
    StringBuilder f = new StringBuilder("DKIM-Signature: v=1; a=").append(a.tag());
    f.append("; c=").append(hc.tag()).append('/').append(bc.tag());
    f.append("; d=").append(domain).append("; s=").append(selector);
    length.ifPresent(l -> f.append("; l=").append(l));
    f.append(extraTags);
    f.append(";\r\n\th=").append(String.join(":", headers));
    f.append("; bh=").append(Base64.getEncoder().encodeToString(bh.hash()));
    f.append(";\r\n\tb=");
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    for (String h : DkimHeaders.select(DkimHeaders.rawFields(m), headers)) {
      data.writeBytes(hc.header(h).getBytes(StandardCharsets.ISO_8859_1));
    }
    String self = hc.header(f.toString());
    data.writeBytes(self.substring(0, self.length() - 2).getBytes(StandardCharsets.ISO_8859_1));
    byte[] sig = a.sign(key, data.toByteArray());
    f.append(Base64.getEncoder().encodeToString(sig)).append("\r\n");
    return Der.concat(f.toString().getBytes(StandardCharsets.ISO_8859_1), message);
  }
}
