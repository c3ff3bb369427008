package dev.mailfilter.sa;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class StartLiteralsTest {
  private static Pattern compile(String perl) throws Unsupported {
    return PerlRegex.compile(perl);
  }

  private static List<String> starts(String perl) throws Unsupported {
    StartLiterals s = StartLiterals.of(compile(perl));
    return s == null ? null : s.strings();
  }

  @Test
  void leadingOptionalPartsAreLeftOut() throws Unsupported {
    assertThat(starts("/Cheap Pills/i")).containsExactly("cheap pills");
    assertThat(starts("/(?:your\\s)?(?:current\\s|full\\s){0,3}name:/")).containsExactly("name:");
    assertThat(starts("/a?\\s?copy\\sof/")).containsExactly("copy");
    // In the first iteration of a repeated group, and in each branch of a leading group.
    assertThat(starts("/(?:(?:your\\s)?(?:age|sex|(?:date\\sof\\s)?birth)\\W+){3}/i"))
        .containsExactly("age", "sex", "birth");
  }

  @Test
  void optionalCharactersGroupsAndSmallClassesGiveEachSpelling() throws Unsupported {
    assertThat(starts("/countr?y/")).containsExactly("county", "country");
    assertThat(starts("/(?:ph|f)one\\b/")).containsExactly("phone", "fone");
    assertThat(starts("/[ia]d\\scard/")).containsExactly("id", "ad");
    assertThat(starts("/post(?:al)?\\s?code/")).containsExactly("post");
    // A repeated element counts once, then nothing more is known.
    assertThat(starts("/ad+ress/")).containsExactly("ad");
    assertThat(starts("/(?:ab){2}c/")).containsExactly("ab");
  }

  @Test
  void anAssertionPinsTheStart() throws Unsupported {
    // \b before the optional part: leaving it out would move where \b is tested.
    assertThat(starts("/\\b(?:your )?name/")).containsExactly("name", "your name");
    assertThat(starts("/^(?:re: )?hello/m")).containsExactly("hello", "re: hello");
    assertThat(starts("/\\b(?:your\\s)?name/")).isNull(); // "your" then unknown, or "name"
    assertThat(starts("/(?<![a-z])money/")).containsExactly("money");
  }

  @Test
  void unknownShortOrUnsafePatternsHaveNone() throws Unsupported {
    assertThat(starts("/\\W(?:free|cash)/")).isNull(); // begins with a class
    assertThat(starts("/x?y/")).isNull(); // "y" is too short
    assertThat(starts("/(?:abc)?/")).isNull(); // matches the empty string
    assertThat(starts("/[\\xe4]rger/")).isNull(); // non-ASCII
    // Backtracking may miss a match through these: not analysed.
    assertThat(starts("/(?:your\\s)?+name/")).isNull();
    assertThat(starts("/(?>your\\s)?name/")).isNull();
    assertThat(starts("/(ab)c\\1/")).isNull();
  }

  @Test
  void findsAMatchWhereverFindDoesOnSeededTexts() throws Unsupported {
    String[] patterns = {
      "/(?:(?:your|my)[\\s,:]{1,5})?(?:current\\s|full\\s){0,3}(?:name|age|ad+ress)\\W{1,3}/i",
      "/(?:(?:your\\s)?(?:name|age|sex|(?:date\\sof\\s)?birth|(?:ph|f)one)[\\s:]{1,4}){3}/i",
      "/\\b(?:your )?name\\b/",
      "/(?<=\\s)(?:an? )?(?:e-?mail|user)\\s?names?/i",
      "/^(?:re: )?(?:ad|id)[:\\s]/m",
      "/(?:x\\s?)?(?!nameless)name/",
      "/(?:a|b)?ab[ab]{1,3}(?:$|\\s)/",
      "/(?:(?:ab)?aa){2,3}b/",
    };
    Random random = new Random(13);
    String[] pieces = {
      "your ",
      "my ",
      "name",
      "Name",
      "age",
      "AGE",
      "sex",
      "birth",
      "date of ",
      "phone",
      "fone",
      "address",
      "addddress",
      "full ",
      "current ",
      ":",
      " ",
      "  ",
      ",",
      "\n",
      "x",
      "email",
      "e-mail",
      "user",
      "re: ",
      "ad",
      "id",
      "a",
      "b",
      "ab",
      "nameless",
      "an ",
      "qq",
      "\u00e4",
      "name: ",
      "age ",
      "your birth ",
      "Date of Birth:",
      "your phone  ",
      "abba ",
      "bab",
      "\nre: ",
      "\nid ",
      "aa",
      "abaab"
    };
    for (String perl : patterns) {
      int hits = 0;
      int texts = 0;
      Pattern p = compile(perl);
      StartLiterals s = StartLiterals.of(p);
      assertThat(s).as(perl).isNotNull();
      for (int t = 0; t < 10000; t++) {
        StringBuilder b = new StringBuilder();
        int n = random.nextInt(16);
        for (int k = 0; k < n; k++) {
          b.append(pieces[random.nextInt(pieces.length)]);
        }
        String text = b.toString();
        boolean expected = p.matcher(text).find();
        assertThat(s.find(p, text, Guard.none()))
            .as(perl + " on \"" + text + "\"")
            .isEqualTo(expected);
        hits += expected ? 1 : 0;
        texts++;
      }
      // The texts hit and missed often enough for the comparison to mean something both ways.
      assertThat(hits).as(perl).isBetween(20, texts - 20);
    }
  }
}
