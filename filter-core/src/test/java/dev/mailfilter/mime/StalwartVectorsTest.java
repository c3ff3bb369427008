package dev.mailfilter.mime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The header-field vectors shipped with Stalwart's mail-parser ({@code resources/*.json} in the
 * shared corpus), for the parts our decoders expose: address lists, Content-Type values and
 * unstructured values with encoded words. Each case whose expectation we intentionally do not meet
 * is listed in a {@code KNOWN_*} set with the reason, and the test checks those cases still differ,
 * so the list stays true.
 */
class StalwartVectorsTest {
  private static final Path DIR =
      Path.of(System.getProperty("mailfilter.shared", "../shared"))
          .resolve("corpora/mime/stalwartlabs-mail-parser/resources");

  /**
   * Address vectors we answer differently, by header line. RFC 5322 section 4.4: an obs-route and
   * CFWS inside an obs-domain carry no meaning, so we drop them ({@code mary@example.net}, {@code
   * test.example}, {@code machine.example}); Stalwart keeps the raw text. RFC 5322 3.2.2: a comment
   * after a group's ';' is no address; Stalwart makes an empty unnamed group of it.
   */
  private static final Set<String> KNOWN_ADDRESS =
      Set.of(
          "Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example",
          "John Doe <jdoe@machine(comment).  example>",
          "A Group(Some people)        :Chris Jones <c@(Chris's host.)public.example>,"
              + "            joe@example.org,     John <jdoe@one.test> (my dear friend);"
              + " (the end of the group)");

  /**
   * Content-Type vectors we answer differently. Stalwart also reports the RFC 2231 language as a
   * separate "NAME-language" parameter; we drop it (RFC 2231 section 5 makes it informational) and
   * compare without those entries. The two below test Stalwart's own treatment of malformed RFC
   * 2231 names and of a charset prefix repeated in a later section (RFC 2231 section 4.1 allows it
   * only in the first); we skip such sections with an INVALID_PARAMETER defect instead.
   */
  private static final Set<String> KNOWN_CONTENT_TYPE =
      Set.of(
          "application/pdf   filename*0*=iso-8859-1'es'%D1and%FA   filename*1*=iso-8859-1'%20r%E1pido "
              + "  filename*2*=\"iso-8859-1' (versi%F3n \\'99 \\\"oficial\\\").pdf\"",
          "test/encoded; key4*=us-ascii''foo; key*9999=ba%; key2*0=a; key3*0*=us-ascii'en'xyz;"
              + " key*0=\"f\u0000oo\"; key2*1*=b%25; key3*1=plop%; key*1=baz; *=test; =test2;",
          "malicious/attempt; 1*2*=a; 3**=b; 4***=c; *5**6*=d;*****7*8*=e;"
              + " 9*10*11*12*13*14=f; 15*x***fff*===g;1 * 999999999999999999 *= h; 18"
              + " *=*=*=*=*==i;",
          "image/jpeg;   name=\"=?iso-8859-1?B?4Q==?= =?utf-8?B?w6k=?= =?iso-8859-1?q?=ED?=.jpeg\"");

  /**
   * Unstructured vectors we answer differently: Stalwart inserts a space between text and an
   * encoded word glued to it ("[SUSPECTED SPAM]=?utf-8?B?...?="); RFC 2047 adds no whitespace, so
   * we keep the text as written.
   */
  private static final Set<String> KNOWN_UNSTRUCTURED =
      Set.of(
          "[SUSPECTED SPAM]=?utf-8?B?VGhpcyBpcyB0aGUgb3JpZ2luYWwgc3ViamVjdA==?=",
          "[SUSPECTED SPAM]=?utf-8?B?VGhpcyBpcyB0aGUgb 3JpZ2luYWwgc3ViamVjdA==?=");

  @SuppressWarnings("unchecked")
  private static Stream<Arguments> vectors(String file) throws IOException {
    Path path = DIR.resolve(file);
    assertThat(path).as("shared corpus missing: %s", path.toAbsolutePath()).exists();
    Object root = new Load(LoadSettings.builder().build()).loadFromString(Files.readString(path));
    return ((List<Map<String, Object>>) root)
        .stream().map(e -> Arguments.of(unfold((String) e.get("header")), e.get("expected")));
  }

  static Stream<Arguments> addresses() throws IOException {
    return vectors("address.json");
  }

  static Stream<Arguments> contentTypes() throws IOException {
    return vectors("content_type.json");
  }

  static Stream<Arguments> unstructured() throws IOException {
    return vectors("unstructured.json");
  }

  /**
   * The first header field of the vector, unfolded as the parser hands values to the decoders: the
   * field ends at a line break not followed by whitespace (RFC 5322 2.2.3), and unfolding removes
   * the line breaks, keeping the whitespace.
   */
  static String unfold(String raw) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '\r' || c == '\n') {
        int j = i + 1;
        if (c == '\r' && j < raw.length() && raw.charAt(j) == '\n') {
          j++;
        }
        if (j < raw.length() && (raw.charAt(j) == ' ' || raw.charAt(j) == '\t')) {
          i = j - 1;
          continue;
        }
        if (i == 0) {
          i = j - 1; // an empty first line before a folded value
          continue;
        }
        break;
      }
      b.append(c);
    }
    return b.toString();
  }

  @ParameterizedTest
  @MethodSource("addresses")
  void addressListsMatch(String header, Object expected) {
    if (header.contains("<http") || header.contains("<ftp") || header.contains("<mailto")) {
      return; // RFC 2369 List-* values: URLs in angle brackets, not RFC 5322 addresses
    }
    Defects d = new Defects();
    List<Address> got = AddressParser.parseList(header, d);
    boolean compareNames = header.indexOf('(') < 0;
    Object mine = shape(got, compareNames);
    Object theirs = normalizeExpected(expected, compareNames);
    if (KNOWN_ADDRESS.contains(header)) {
      assertThat(mine).as("known difference now agrees: %s", header).isNotEqualTo(theirs);
    } else {
      assertThat(mine).as(header).isEqualTo(theirs);
    }
  }

  /** Ours in Stalwart's shape: a "List" of mailboxes or a "Group" list with unnamed runs. */
  private static Object shape(List<Address> list, boolean names) {
    boolean groups = list.stream().anyMatch(a -> a instanceof Group);
    if (!groups) {
      return Map.of("List", mailboxes(list.stream().map(a -> (Mailbox) a).toList(), names));
    }
    List<Object> out = new ArrayList<>();
    List<Mailbox> run = new ArrayList<>();
    for (Address a : list) {
      switch (a) {
        case Mailbox m -> run.add(m);
        case Group g -> {
          if (!run.isEmpty()) {
            out.add(group(null, run, names));
            run = new ArrayList<>();
          }
          out.add(group(g.name(), g.members(), names));
        }
      }
    }
    if (!run.isEmpty()) {
      out.add(group(null, run, names));
    }
    return Map.of("Group", out);
  }

  private static Map<String, Object> group(String name, List<Mailbox> members, boolean names) {
    Map<String, Object> g = new java.util.HashMap<>();
    g.put("name", !names || name == null || name.isEmpty() ? null : name);
    g.put("addresses", mailboxes(members, names));
    return g;
  }

  private static List<Object> mailboxes(List<Mailbox> list, boolean names) {
    List<Object> out = new ArrayList<>();
    for (Mailbox m : list) {
      Map<String, Object> e = new java.util.HashMap<>();
      e.put("name", !names || m.displayName().isEmpty() ? null : m.displayName());
      e.put("address", m.address());
      out.add(e);
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Object normalizeExpected(Object expected, boolean names) {
    Map<String, Object> top = (Map<String, Object>) expected;
    if (top.containsKey("List")) {
      return Map.of("List", normalizeMailboxes((List<Object>) top.get("List"), names));
    }
    List<Object> out = new ArrayList<>();
    for (Object o : (List<Object>) top.get("Group")) {
      Map<String, Object> g = (Map<String, Object>) o;
      Map<String, Object> n = new java.util.HashMap<>();
      n.put("name", names ? g.get("name") : null);
      n.put("addresses", normalizeMailboxes((List<Object>) g.get("addresses"), names));
      out.add(n);
    }
    return Map.of("Group", out);
  }

  @SuppressWarnings("unchecked")
  private static List<Object> normalizeMailboxes(List<Object> list, boolean names) {
    List<Object> out = new ArrayList<>();
    for (Object o : list) {
      Map<String, Object> m = (Map<String, Object>) o;
      if (m.get("address") == null) {
        continue; // a comment Stalwart turns into a member: not a mailbox (RFC 5322 3.2.2)
      }
      Map<String, Object> e = new java.util.HashMap<>();
      e.put("name", names ? m.get("name") : null);
      e.put("address", m.get("address"));
      out.add(e);
    }
    return out;
  }

  @ParameterizedTest
  @MethodSource("contentTypes")
  @SuppressWarnings("unchecked")
  void contentTypesMatch(String header, Object expected) {
    Defects d = new Defects();
    MimeParameters.Parsed p = MimeParameters.parse(header, d);
    if (expected == null) {
      // Stalwart refuses the value; we keep it and must say it is malformed.
      assertThat(d.types()).as(header).contains(DefectType.INVALID_CONTENT_TYPE);
      return;
    }
    Map<String, Object> e = (Map<String, Object>) expected;
    int slash = p.value().indexOf('/');
    String type = slash < 0 ? p.value() : p.value().substring(0, slash);
    String subtype =
        slash < 0 || slash == p.value().length() - 1 ? null : p.value().substring(slash + 1);
    List<List<String>> params = new ArrayList<>();
    p.parameters().forEach((k, v) -> params.add(List.of(k, v)));
    List<List<String>> theirs = new ArrayList<>();
    if (e.get("attributes") != null) {
      for (Object a : (List<Object>) e.get("attributes")) {
        List<String> kv = (List<String>) a;
        if (!kv.get(0).endsWith("-language")) {
          theirs.add(List.of(kv.get(0), kv.get(1)));
        }
      }
    }
    List<Object> mine = List.of(type, String.valueOf(subtype), params);
    List<Object> want =
        List.of(
            ((String) e.get("c_type")).toLowerCase(java.util.Locale.ROOT),
            String.valueOf(e.get("c_subtype")),
            theirs);
    if (KNOWN_CONTENT_TYPE.contains(header)) {
      assertThat(mine).as("known difference now agrees: %s", header).isNotEqualTo(want);
    } else {
      assertThat(mine).as(header).isEqualTo(want);
    }
  }

  @ParameterizedTest
  @MethodSource("unstructured")
  void unstructuredValuesMatch(String header, String expected) {
    // Whitespace runs are compared collapsed: unfolding keeps the folding whitespace, which
    // Stalwart collapses and trims.
    String mine = collapse(EncodedWords.decode(header, new Defects()));
    if (KNOWN_UNSTRUCTURED.contains(header)) {
      assertThat(mine)
          .as("known difference now agrees: %s", header)
          .isNotEqualTo(collapse(expected));
    } else {
      assertThat(mine).as(header).isEqualTo(collapse(expected));
    }
  }

  private static String collapse(String s) {
    return s.replaceAll("[ \t]+", " ").strip();
  }
}
