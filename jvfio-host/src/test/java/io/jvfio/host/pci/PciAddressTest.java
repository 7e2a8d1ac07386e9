package io.jvfio.host.pci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The hand-written address parser and printer, against a regex of the grammar and each other. */
class PciAddressTest {
  // the grammar, as a regex: the oracle the parser is checked against
  private static final Pattern GRAMMAR =
      Pattern.compile("(?:([0-9a-fA-F]{4}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\\.([0-7])");
  private static final String ALPHABET = "0123456789abcdefABCDEFgG:.- 8\u0660\uff11";

  @Test
  void printsAsPciName() {
    assertThat(new PciAddress(0, 1, 0, 0)).hasToString("0000:01:00.0");
    assertThat(new PciAddress(0xabcd, 0xef, 0x1f, 7)).hasToString("abcd:ef:1f.7");
    assertThat(new SlotSpec(0x10, 0x2, 0x1a, true)).hasToString("0010:02:1a");
  }

  @Test
  void parsesWhatItPrintsForRandomAddresses() {
    Random r = new Random(20261202);
    for (int i = 0; i < 10_000; i++) {
      PciAddress a =
          new PciAddress(r.nextInt(0x10000), r.nextInt(0x100), r.nextInt(0x20), r.nextInt(8));
      assertThat(PciAddress.parse(a.toString())).isEqualTo(a);
      assertThat(PciAddress.parse(a.toString().toUpperCase())).isEqualTo(a);
    }
  }

  @Test
  void agreesWithTheGrammarOnRandomStrings() {
    Random r = new Random(7);
    int accepted = 0;
    for (int i = 0; i < 200_000; i++) {
      String s = mutate(r);
      Matcher m = GRAMMAR.matcher(s.trim());
      if (m.matches() && Integer.parseInt(m.group(3), 16) <= 0x1f) {
        PciAddress a = PciAddress.parse(s);
        int domain = m.group(1) == null ? 0 : Integer.parseInt(m.group(1), 16);
        assertThat(a)
            .as(s)
            .isEqualTo(
                new PciAddress(
                    domain,
                    Integer.parseInt(m.group(2), 16),
                    Integer.parseInt(m.group(3), 16),
                    Integer.parseInt(m.group(4))));
        accepted++;
      } else {
        assertThatThrownBy(() -> PciAddress.parse(s))
            .as(s)
            .isInstanceOf(IllegalArgumentException.class);
      }
    }
    assertThat(accepted).as("the generator reaches valid addresses").isGreaterThan(1_000);
  }

  /** A valid address with a few characters changed, or random characters of a likely length. */
  private static String mutate(Random r) {
    String base =
        new PciAddress(r.nextInt(0x10000), r.nextInt(0x100), r.nextInt(0x20), r.nextInt(8))
            .toString();
    if (r.nextBoolean()) {
      base = base.substring(5);
    }
    StringBuilder sb = new StringBuilder(base);
    int edits = r.nextInt(3);
    for (int e = 0; e < edits; e++) {
      char c = ALPHABET.charAt(r.nextInt(ALPHABET.length()));
      int at = r.nextInt(sb.length() + 1);
      switch (r.nextInt(3)) {
        case 0 -> sb.insert(at, c);
        case 1 -> {
          if (at < sb.length()) {
            sb.setCharAt(at, c);
          }
        }
        default -> {
          if (at < sb.length()) {
            sb.deleteCharAt(at);
          }
        }
      }
    }
    return sb.toString();
  }
}
