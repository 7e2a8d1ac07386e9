package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AddressesTest {
  private static Inet6Address v6(String literal) {
    return (Inet6Address) InetAddress.ofLiteral(literal);
  }

  @Test
  void ipv6IsWrittenShortAndInBrackets() {
    assertThat(Addresses.format(new InetSocketAddress(v6("0:0:0:0:0:0:0:1"), 4444)))
        .isEqualTo("[::1]:4444");
    assertThat(Addresses.format(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 80)))
        .isEqualTo("127.0.0.1:80");
    assertThat(Addresses.format(InetSocketAddress.createUnresolved("host.example", 1)))
        .isEqualTo("host.example:1");
    assertThat(Addresses.shortForm(v6("::"))).isEqualTo("::");
    assertThat(Addresses.shortForm(v6("2001:DB8:0:0:0:0:0:1"))).isEqualTo("2001:db8::1");
    assertThat(Addresses.shortForm(v6("1:0:0:2:0:0:0:3"))).isEqualTo("1:0:0:2::3");
    // of two equal runs the first is shortened; a single zero group is not
    assertThat(Addresses.shortForm(v6("1:0:0:2:0:0:3:4"))).isEqualTo("1::2:0:0:3:4");
    assertThat(Addresses.shortForm(v6("1:2:3:4:5:6:0:8"))).isEqualTo("1:2:3:4:5:6:0:8");
    assertThat(Addresses.shortForm(v6("1:0:0:0:0:0:0:0"))).isEqualTo("1::");
  }

  @Test
  void theShortFormReadsBackAsTheSameAddressAndCannotBeShorter() throws Exception {
    Random random = new Random(5952);
    for (int n = 0; n < 5_000; n++) {
      byte[] b = new byte[16];
      for (int i = 0; i < 16; i += 2) {
        // mostly zero groups, so the runs the rule is about occur often
        int group = random.nextInt(3) == 0 ? random.nextInt(0x10000) : 0;
        b[i] = (byte) (group >> 8);
        b[i + 1] = (byte) group;
      }
      Inet6Address a = (Inet6Address) InetAddress.getByAddress(b);
      String s = Addresses.shortForm(a);
      assertThat(InetAddress.ofLiteral(s)).as(s).isEqualTo(a);
      assertThat(s).as(s).isEqualTo(s.toLowerCase()).doesNotContain(":::");
      assertThat(s.indexOf("::")).as(s).isEqualTo(s.lastIndexOf("::"));
      for (String group : s.split(":")) {
        assertThat(group.length() <= 1 || group.charAt(0) != '0').as(s).isTrue();
      }
      int written = longestZeroRun(s);
      if (s.contains("::")) {
        // the run left out is two groups or more, and no zero run still written is longer
        long omitted = 8 - Arrays.stream(s.split(":")).filter(g -> !g.isEmpty()).count();
        assertThat(omitted).as(s).isGreaterThanOrEqualTo(Math.max(2, written));
      } else {
        assertThat(written).as(s).isLessThanOrEqualTo(1);
      }
    }
  }

  private static int longestZeroRun(String s) {
    int best = 0;
    int run = 0;
    for (String g : s.split(":")) {
      run = g.equals("0") ? run + 1 : 0;
      best = Math.max(best, run);
    }
    return best;
  }

  @Test
  void aListenerSaysTheAddressItWasAskedForWithThePortItGot() {
    InetSocketAddress bound = new InetSocketAddress(v6("::"), 40000);
    assertThat(
            Addresses.format(
                Addresses.listening(
                    new InetSocketAddress(InetAddress.ofLiteral("0.0.0.0"), 0), bound)))
        .isEqualTo("0.0.0.0:40000");
    InetSocketAddress loopback = new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 40001);
    assertThat(
            Addresses.format(
                Addresses.listening(InetSocketAddress.createUnresolved("localhost", 0), loopback)))
        .isEqualTo("127.0.0.1:40001");
  }
}
