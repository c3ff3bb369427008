package dev.mailfilter.sa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** One test per difference between Perl's regular expressions and Java's that the loader meets. */
class PerlRegexTest {
  private static Pattern p(String written) throws Unsupported {
    return PerlRegex.compile(written);
  }

  private static boolean finds(String written, String text) throws Unsupported {
    return p(written).matcher(text).find();
  }

  private static void unsupported(String written, String reasonPart) {
    assertThatThrownBy(() -> p(written))
        .isInstanceOf(Unsupported.class)
        .hasMessageContaining(reasonPart);
  }

  @Test
  void delimitersSlashBracesBangAndQr() throws Unsupported {
    assertThat(finds("/foo/", "a foo b")).isTrue();
    assertThat(finds("m{fo{2}}", "foo")).isTrue();
    assertThat(finds("m!a/b!", "a/b")).isTrue();
    assertThat(finds("m(x)", "x")).isTrue();
    assertThat(finds("qr/x\\/y/", "x/y")).isTrue();
    assertThat(finds("m[a]i", "A")).isTrue();
    unsupported("foo", "not a delimited");
    unsupported("/foo", "closing");
  }

  @Test
  void flagsIsmAndX() throws Unsupported {
    assertThat(finds("/abc/i", "ABC")).isTrue();
    assertThat(finds("/a.b/", "a\nb")).isFalse();
    assertThat(finds("/a.b/s", "a\nb")).isTrue();
    assertThat(finds("/^b/", "a\nb")).isFalse();
    assertThat(finds("/^b/m", "a\nb")).isTrue();
    assertThat(finds("/a b # comment\n c/x", "abc")).isTrue();
    unsupported("/a/q", "unknown regular expression flag q");
  }

  @Test
  void extendedModeKeepsWhiteSpaceInsideClassesAsPerlDoes() throws Unsupported {
    // Java's COMMENTS flag would drop the space in the class; Perl's /x keeps it.
    assertThat(finds("/a[ ]b/x", "a b")).isTrue();
    assertThat(finds("/a [#] b/x", "a#b")).isTrue();
  }

  @Test
  void caseFoldingIsAsciiOnByteStrings() throws Unsupported {
    // In Perl, /i on a byte string folds ASCII only; é (0xE9) and É (0xC9) differ.
    assertThat(finds("/\\xe9/i", "\u00c9")).isFalse();
    assertThat(finds("/k/i", "\u212a")).isFalse(); // the Kelvin sign is not a k
  }

  @Test
  void endAnchorsLowerZUpperZAndDollar() throws Unsupported {
    assertThat(finds("/a\\z/", "a\n")).isFalse();
    assertThat(finds("/a\\Z/", "a\n")).isTrue();
    assertThat(finds("/a$/", "a\n")).isTrue(); // before a final newline, as in Perl
    assertThat(finds("/a$/", "a\nb")).isFalse();
    assertThat(finds("/a$/m", "a\nb")).isTrue();
  }

  @Test
  void onlyNewlineEndsALineNotCarriageReturnOrUnicodeBreaks() throws Unsupported {
    assertThat(finds("/a$/", "a\r")).isFalse();
    assertThat(finds("/a.b/", "a\rb")).isTrue();
    assertThat(finds("/a.b/", "a\u0085b")).isTrue();
  }

  @Test
  void possessiveQuantifiersAndAtomicGroups() throws Unsupported {
    assertThat(finds("/a++a/", "aaa")).isFalse();
    assertThat(finds("/(?>a+)a/", "aaa")).isFalse();
    assertThat(finds("/a+a/", "aaa")).isTrue();
  }

  @Test
  void keepEscapeIsUnsupported() {
    unsupported("/foo\\Kbar/", "\\K");
  }

  @Test
  void namedGroupsWithUnderscoresAndPerlSpellings() throws Unsupported {
    assertThat(finds("/(?<my_word>ab)\\k<my_word>/", "abab")).isTrue();
    assertThat(finds("/(?P<w>x)(?P=w)/", "xx")).isTrue();
    assertThat(finds("/(?'w'x)\\k'w'/", "xx")).isTrue();
    assertThat(finds("/(?<w_1>x)\\g{w_1}/", "xx")).isTrue();
    assertThat(finds("/(x)\\g{-1}/", "xx")).isTrue();
    assertThat(finds("/(x)\\g1/", "xx")).isTrue();
  }

  @Test
  void inlineFlagsAndPerlCharsetModifiers() throws Unsupported {
    assertThat(finds("/(?i)abc/", "ABC")).isTrue();
    assertThat(finds("/(?i:a)b/", "Ab")).isTrue();
    assertThat(finds("/(?i:a)b/", "AB")).isFalse();
    // (?a) and (?u) are charset modifiers in Perl; Java reads u as Unicode case and d as Unix
    // lines, so they are dropped.
    assertThat(finds("/(?a)\\d/", "1")).isTrue();
    assertThat(finds("/(?^i:abc)/", "ABC")).isTrue();
    assertThat(finds("/(?s)(?^:a.b)/", "a\nb")).isFalse();
    unsupported("/(?x)a b/", "(?x)");
  }

  @Test
  void quoteMetaRuns() throws Unsupported {
    assertThat(finds("/\\Qa.b*\\E+/", "a.b**")).isTrue();
    assertThat(finds("/\\Qa.b/", "axb")).isFalse();
    assertThat(finds("/\\Q(x)/", "(x)")).isTrue();
  }

  @Test
  void posixClasses() throws Unsupported {
    assertThat(finds("/^[[:alpha:]]+$/", "abcXYZ")).isTrue();
    assertThat(finds("/[[:digit:]]/", "x")).isFalse();
    assertThat(finds("/^[[:^space:]]+$/", "a b")).isFalse();
    assertThat(finds("/[[:xdigit:]]/", "f")).isTrue();
    assertThat(finds("/[[:punct:][:space:]]/", "!")).isTrue();
    assertThat(finds("/^[[:word:]]+$/", "a_1")).isTrue();
    unsupported("/[[:nosuch:]]/", "[:nosuch:]");
  }

  @Test
  void horizontalAndVerticalSpaceMatchPerlsSetsOnByteStrings() throws Unsupported {
    assertThat(finds("/a\\hb/", "a\tb")).isTrue();
    assertThat(finds("/a\\hb/", "a\u00a0b")).isTrue();
    assertThat(finds("/a\\hb/", "a\nb")).isFalse();
    assertThat(finds("/a\\vb/", "a\u000bb")).isTrue();
    assertThat(finds("/a\\vb/", "a\u0085b")).isTrue();
    assertThat(finds("/a\\vb/", "a b")).isFalse();
    // \s includes the vertical tab since Perl 5.18, as in Java.
    assertThat(finds("/a\\sb/", "a\u000bb")).isTrue();
    assertThat(finds("/a\\sb/", "a\u00a0b")).isFalse();
  }

  @Test
  void bracesWithoutMinimumAndLiteralBraces() throws Unsupported {
    assertThat(finds("/^a{,2}$/", "aa")).isTrue(); // Perl 5.34+: {,n} is {0,n}
    assertThat(finds("/^a{,2}$/", "aaa")).isFalse();
    assertThat(finds("/a{foo}/", "a{foo}")).isTrue(); // not a quantifier: literal in Perl
    assertThat(finds("/x{/", "x{")).isTrue();
    assertThat(finds("/^a{ 1 , 2 }$/", "aa")).isTrue();
  }

  @Test
  void octalEscapesAndBackReferences() throws Unsupported {
    assertThat(finds("/\\012/", "\n")).isTrue();
    assertThat(finds("/\\0/", "\0")).isTrue();
    assertThat(finds("/\\101/", "A")).isTrue(); // octal: fewer than 101 groups before it
    assertThat(finds("/(a)\\1/", "aa")).isTrue();
    assertThat(finds("/(a)\\10/", "a\b")).isTrue(); // \10 with one group: octal 8
    assertThat(finds("/\\o{101}/", "A")).isTrue();
    assertThat(finds("/(a)\\11/", "a\t")).isTrue();
    assertThat(finds("/(a)\\1 0/", "aa 0")).isTrue();
  }

  @Test
  void hexEscapes() throws Unsupported {
    assertThat(finds("/\\x41/", "A")).isTrue();
    assertThat(finds("/\\xA/", "\n")).isTrue(); // one digit
    assertThat(finds("/\\x{263A}/", "\u263a")).isTrue();
    assertThat(finds("/\\x{ 41 }/", "A")).isTrue();
    assertThat(finds("/[\\xc0-\\xc5]/", "\u00c3")).isTrue();
  }

  @Test
  void nonNewlineEscape() throws Unsupported {
    assertThat(finds("/a\\Nb/", "axb")).isTrue();
    assertThat(finds("/a\\Nb/", "a\nb")).isFalse();
    assertThat(finds("/\\N{U+41}/", "A")).isTrue();
  }

  @Test
  void characterClassSpecials() throws Unsupported {
    assertThat(finds("/[]a]/", "]")).isTrue(); // a leading ] is literal in Perl
    assertThat(finds("/[^]a]/", "]")).isFalse();
    assertThat(finds("/[a[]/", "[")).isTrue(); // [ inside a class is literal in Perl
    assertThat(finds("/[a&&b]/", "&")).isTrue(); // && is intersection in Java only
    assertThat(finds("/[\\b]/", "\b")).isTrue(); // backspace inside a class
    assertThat(finds("/a\\b/", "a b")).isTrue();
  }

  @Test
  void unknownLetterEscapesAreTheLetter() throws Unsupported {
    assertThat(finds("/\\yes/", "yes")).isTrue();
    assertThat(finds("/\\_\\-\\#/", "_-#")).isTrue();
  }

  @Test
  void commentsGroupsAreDropped() throws Unsupported {
    assertThat(finds("/a(?#note)b/", "ab")).isTrue();
  }

  @Test
  void recursionCodeBlocksAndOtherPerlOnlyFeaturesAreUnsupported() {
    unsupported("/(a(?R)?b)/", "recursion");
    unsupported("/(a)(?1)/", "recursion");
    unsupported("/(?<n>a)(?&n)/", "recursion");
    unsupported("/(?{ print 1 })/", "embedded code");
    unsupported("/(??{ 'a' })/", "embedded code");
    unsupported("/(?|(a)|(b))/", "branch reset");
    unsupported("/(a)?(?(1)b|c)/", "conditional");
    unsupported("/a(*PRUNE)b/", "backtracking control verb");
    unsupported("/\\Ufoo/", "case-changing");
    unsupported("/\\b{wb}/", "\\b{");
    unsupported("/a{2,1}/", "Java rejects");
  }

  @Test
  void translationIsPlainJavaSyntax() throws Unsupported {
    assertThat(PerlRegex.translate("a{,3}[[:alpha:]]\\z", false))
        .isEqualTo("a{0,3}[\\p{Alpha}]\\z");
  }
}
