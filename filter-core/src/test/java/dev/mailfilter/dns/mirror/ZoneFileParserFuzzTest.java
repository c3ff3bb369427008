package dev.mailfilter.dns.mirror;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the zone-file parser: any input either loads or fails with a {@link ZoneFileException}
 * (never another exception, never a hang), and a loaded set answers through its Bloom filter
 * exactly as through its exact structure.
 */
class ZoneFileParserFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void parsesOrRejectsWithALineNumber(FuzzedDataProvider data) {
    MirrorKind kind = data.pickValue(MirrorKind.values());
    int[] probes = data.consumeInts(16);
    byte[] text = data.consumeRemainingAsBytes();
    ZoneData z;
    try {
      z = ZoneFiles.parse(text, "fuzz", kind, 8);
    } catch (ZoneFileException e) {
      if (e.line() < 0 || !e.getMessage().startsWith("fuzz")) {
        throw new AssertionError("bad error report: " + e.getMessage(), e);
      }
      return;
    }
    switch (z) {
      case Ip4Zone ip4 -> {
        for (int p : probes) {
          if (ip4.lookup(p) != ip4.exactLookup(p)) {
            throw new AssertionError("Bloom path differs for " + Integer.toUnsignedString(p));
          }
          if (ip4.lookup(p) >= 0 && ip4.valuesOf(ip4.lookup(p)).isEmpty()) {
            throw new AssertionError("listing without a value");
          }
        }
      }
      case Ip6Zone ip6 -> {
        for (int i = 0; i + 1 < probes.length; i += 2) {
          long hi = (long) probes[i] << 32;
          long lo = probes[i + 1];
          if (ip6.lookup(hi, lo) != ip6.exactLookup(hi, lo)) {
            throw new AssertionError("Bloom path differs");
          }
        }
      }
      case DomainZone dom -> {
        for (String n : new String[] {"test", "a.b.example", "x.y"}) {
          if (dom.lookup(n) != dom.exactLookup(n)) {
            throw new AssertionError("Bloom path differs for " + n);
          }
        }
      }
    }
  }
}
