package dev.mailfilter.mime.content;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * HTML character references: the full HTML 4 set, the HTML5 names that turn up in mail, and the
 * numeric-reference repairs browsers apply (WHATWG "numeric character reference end state").
 */
final class HtmlEntities {
  private HtmlEntities() {}

  /** The longest HTML5 entity name ("CounterClockwiseContourIntegral") has 31 characters. */
  static final int MAX_NAME = 32;

  // ISO 8859-1 names for U+00A0..U+00FF, in code point order (HTML 4 "HTMLlat1").
  private static final String LATIN1 =
      "nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg"
          + " plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34"
          + " iquest Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml"
          + " Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash"
          + " Ugrave Uacute Ucirc Uuml Yacute THORN szlig agrave aacute acirc atilde auml aring"
          + " aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml eth ntilde ograve"
          + " oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml";

  // name=code point (decimal); HTML 4 "HTMLsymbol" and "HTMLspecial" plus common HTML5 names.
  private static final String OTHERS =
      "quot=34 amp=38 lt=60 gt=62 apos=39 QUOT=34 AMP=38 LT=60 GT=62 COPY=169 REG=174"
          + " OElig=338 oelig=339 Scaron=352 scaron=353 Yuml=376 circ=710 tilde=732 ensp=8194"
          + " emsp=8195 thinsp=8201 zwnj=8204 zwj=8205 lrm=8206 rlm=8207 ndash=8211 mdash=8212"
          + " lsquo=8216 rsquo=8217 sbquo=8218 ldquo=8220 rdquo=8221 bdquo=8222 dagger=8224"
          + " Dagger=8225 permil=8240 lsaquo=8249 rsaquo=8250 euro=8364 fnof=402"
          + " Alpha=913 Beta=914 Gamma=915 Delta=916 Epsilon=917 Zeta=918 Eta=919 Theta=920"
          + " Iota=921 Kappa=922 Lambda=923 Mu=924 Nu=925 Xi=926 Omicron=927 Pi=928 Rho=929"
          + " Sigma=931 Tau=932 Upsilon=933 Phi=934 Chi=935 Psi=936 Omega=937 alpha=945 beta=946"
          + " gamma=947 delta=948 epsilon=949 zeta=950 eta=951 theta=952 iota=953 kappa=954"
          + " lambda=955 mu=956 nu=957 xi=958 omicron=959 pi=960 rho=961 sigmaf=962 sigma=963"
          + " tau=964 upsilon=965 phi=966 chi=967 psi=968 omega=969 thetasym=977 upsih=978"
          + " piv=982 bull=8226 hellip=8230 prime=8242 Prime=8243 oline=8254 frasl=8260"
          + " weierp=8472 image=8465 real=8476 trade=8482 alefsym=8501 larr=8592 uarr=8593"
          + " rarr=8594 darr=8595 harr=8596 crarr=8629 lArr=8656 uArr=8657 rArr=8658 dArr=8659"
          + " hArr=8660 forall=8704 part=8706 exist=8707 empty=8709 nabla=8711 isin=8712"
          + " notin=8713 ni=8715 prod=8719 sum=8721 minus=8722 lowast=8727 radic=8730 prop=8733"
          + " infin=8734 ang=8736 and=8743 or=8744 cap=8745 cup=8746 int=8747 there4=8756"
          + " sim=8764 cong=8773 asymp=8776 ne=8800 equiv=8801 le=8804 ge=8805 sub=8834"
          + " sup=8835 nsub=8836 sube=8838 supe=8839 oplus=8853 otimes=8855 perp=8869 sdot=8901"
          + " lceil=8968 rceil=8969 lfloor=8970 rfloor=8971 lang=10216 rang=10217 loz=9674"
          + " spades=9824 clubs=9827 hearts=9829 diams=9830"
          // HTML5: invisible and spacing characters (the obfuscation toolkit).
          + " ZeroWidthSpace=8203 NegativeVeryThinSpace=8203 NegativeThinSpace=8203"
          + " NegativeMediumSpace=8203 NegativeThickSpace=8203 NoBreak=8288 NonBreakingSpace=160"
          + " Tab=9 NewLine=10 hairsp=8202 VeryThinSpace=8202 ThinSpace=8201 puncsp=8200"
          + " numsp=8199 emsp13=8196 emsp14=8197 MediumSpace=8287 ic=8291 InvisibleComma=8291"
          + " it=8290 InvisibleTimes=8290 af=8289 ApplyFunction=8289 shy=173"
          // HTML5: ASCII punctuation names.
          + " excl=33 num=35 dollar=36 percnt=37 lpar=40 rpar=41 ast=42 midast=42 plus=43"
          + " comma=44 period=46 sol=47 colon=58 semi=59 equals=61 quest=63 commat=64 lsqb=91"
          + " lbrack=91 bsol=92 rsqb=93 rbrack=93 Hat=94 lowbar=95 UnderBar=95 grave=96"
          + " DiacriticalGrave=96 lcub=123 lbrace=123 verbar=124 vert=124 VerticalLine=124"
          + " rcub=125 rbrace=125"
          // HTML5: other common names.
          + " hyphen=8208 dash=8208 lsquor=8218 rsquor=8217 ldquor=8222 rdquor=8221"
          + " OpenCurlyQuote=8216 CloseCurlyQuote=8217 OpenCurlyDoubleQuote=8220"
          + " CloseCurlyDoubleQuote=8221 bullet=8226 nldr=8229 mldr=8230 check=10003"
          + " checkmark=10003 cross=10007 star=9734 starf=9733 bigstar=9733 phone=9742"
          + " female=9792 male=9794 copysr=8471 TRADE=8482 half=189 centerdot=183"
          + " CenterDot=183 Dot=168 die=168 DoubleDot=168 pm=177 PlusMinus=177 div=247"
          + " angst=197 ohm=937 mho=8487 planck=8463 hbar=8463 leftarrow=8592 LeftArrow=8592"
          + " rightarrow=8594 RightArrow=8594 uparrow=8593 UpArrow=8593 downarrow=8595"
          + " DownArrow=8595 Rightarrow=8658 Leftarrow=8656 Implies=8658 larrb=8676"
          + " rarrb=8677 nearr=8599 searr=8600 swarr=8601 nwarr=8598 hookrightarrow=8618"
          + " hookleftarrow=8617 infintie=10717 ne=8800 nequiv=8802 leq=8804 geq=8805 les=10877"
          + " ges=10878 times=215 Cross=10799 euro=8364 inr=8377 fflig=64256 filig=64257"
          + " fllig=64258 ffilig=64259 ffllig=64260 ell=8467 incare=8453 numero=8470"
          + " trade=8482 sung=9834 flat=9837 natural=9838 sharp=9839 caret=8257"
          + " square=9633 squ=9633 squf=9642 blacksquare=9642 rect=9645 marker=9646"
          + " utri=9653 utrif=9652 dtri=9663 dtrif=9662 rtri=9657 rtrif=9656 ltri=9667"
          + " ltrif=9666 cir=9675 xcirc=9711 bigcirc=9711 diamond=8900 lozenge=9674"
          + " blacklozenge=10731 spadesuit=9824 clubsuit=9827 heartsuit=9829 diamondsuit=9830"
          + " malt=10016 maltese=10016 sext=10038 target=8982 telrec=8981 dagger=8224"
          + " ddagger=8225 Ograve=210 Ccaron=268 ccaron=269 Zcaron=381 zcaron=382"
          + " Ecaron=282 ecaron=283 Rcaron=344 rcaron=345 Ncaron=327 ncaron=328 Dcaron=270"
          + " dcaron=271 Tcaron=356 tcaron=357 Uring=366 uring=367 Lstrok=321 lstrok=322"
          + " Aogon=260 aogon=261 Eogon=280 eogon=281 Sacute=346 sacute=347 Zacute=377"
          + " zacute=378 Zdot=379 zdot=380 Nacute=323 nacute=324 Cacute=262 cacute=263"
          + " Odblac=336 odblac=337 Udblac=368 udblac=369 Gbreve=286 gbreve=287 Idot=304"
          + " imath=305 inodot=305 Scedil=350 scedil=351 dollar=36 cent=162 pound=163"
          + " yen=165 curren=164 IOcy=1025 iocy=1105 Acy=1040 acy=1072 Ocy=1054 ocy=1086"
          + " Ecy=1069 ecy=1101 Iukcy=1030 iukcy=1110";

  // HTML4/legacy names that browsers also decode without the trailing semicolon.
  private static final String LEGACY_EXTRA = "quot amp lt gt QUOT AMP LT GT COPY REG";

  private static final Map<String, String> NAMED = new HashMap<>();
  private static final Set<String> LEGACY = new HashSet<>();

  static {
    String[] latin = LATIN1.split(" ");
    for (int k = 0; k < latin.length; k++) {
      String value = Character.toString(0xA0 + k);
      NAMED.put(latin[k], value);
      LEGACY.add(latin[k]);
    }
    for (String pair : OTHERS.split(" ")) {
      int eq = pair.indexOf('=');
      NAMED.put(
          pair.substring(0, eq), Character.toString(Integer.parseInt(pair.substring(eq + 1))));
    }
    for (String name : LEGACY_EXTRA.split(" ")) {
      LEGACY.add(name);
    }
  }

  // Windows-1252 repairs for numeric references in U+0080..U+009F (0 = keep as is).
  private static final int[] C1 = {
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
    0x0152, 0, 0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122,
    0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178
  };

  /** The code point browsers produce for numeric reference {@code value} (already clamped). */
  static int numeric(long value) {
    if (value == 0 || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
      return 0xFFFD;
    }
    if (value >= 0x80 && value <= 0x9F) {
      int mapped = C1[(int) value - 0x80];
      return mapped == 0 ? (int) value : mapped;
    }
    return (int) value;
  }

  /**
   * Decodes the character reference starting at {@code s[amp]} (which is '&') into {@code out}.
   * Returns the index after the reference, or {@code amp} when there is no reference there (the
   * caller then emits the '&' literally).
   *
   * @param inAttribute attribute values keep "&amp=" and "&ampx" literal, as browsers do
   */
  static int decode(CharSequence s, int amp, int end, boolean inAttribute, StringBuilder out) {
    int i = amp + 1;
    if (i >= end) {
      return amp;
    }
    char c = s.charAt(i);
    if (c == '#') {
      i++;
      boolean hex = i < end && (s.charAt(i) == 'x' || s.charAt(i) == 'X');
      if (hex) {
        i++;
      }
      int digitsStart = i;
      long value = 0;
      while (i < end) {
        int d = Character.digit(s.charAt(i), hex ? 16 : 10);
        if (d < 0 || s.charAt(i) > 'f') {
          break;
        }
        // Clamp instead of overflowing: anything past U+10FFFF becomes U+FFFD anyway.
        value = Math.min(value * (hex ? 16 : 10) + d, 0x110000);
        i++;
      }
      if (i == digitsStart) {
        return amp;
      }
      if (i < end && s.charAt(i) == ';') {
        i++;
      }
      out.appendCodePoint(numeric(value));
      return i;
    }
    int nameEnd = i;
    while (nameEnd < end && nameEnd - i < MAX_NAME && isAsciiAlnum(s.charAt(nameEnd))) {
      nameEnd++;
    }
    if (nameEnd == i) {
      return amp;
    }
    if (nameEnd < end && s.charAt(nameEnd) == ';') {
      String value = NAMED.get(s.subSequence(i, nameEnd).toString());
      if (value != null) {
        out.append(value);
        return nameEnd + 1;
      }
    }
    // No semicolon (or an unknown name): browsers match the longest legacy name as a prefix.
    for (int len = Math.min(nameEnd - i, 6); len >= 2; len--) {
      String name = s.subSequence(i, i + len).toString();
      if (LEGACY.contains(name)) {
        int after = i + len;
        boolean hasSemicolon = after < end && s.charAt(after) == ';';
        if (!hasSemicolon
            && inAttribute
            && after < end
            && (isAsciiAlnum(s.charAt(after)) || s.charAt(after) == '=')) {
          return amp;
        }
        out.append(NAMED.get(name));
        return hasSemicolon ? after + 1 : after;
      }
    }
    return amp;
  }

  static boolean isAsciiAlnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }
}
