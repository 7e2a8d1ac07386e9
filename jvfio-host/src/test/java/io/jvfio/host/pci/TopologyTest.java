package io.jvfio.host.pci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.host.DefaultHost;
import java.util.OptionalInt;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The topology description: text form, builder, validation. */
class TopologyTest {
  private static final String HEAD =
      """
      bridge   0000:00:1c.0 8086:a110 secondary=01 group=1
      function 0000:01:00.0 1234:11e8 driver=vfio-pci group=2
      """;

  @Test
  void formatThenParseGivesAnEqualTopology() {
    for (Topology t :
        new Topology[] {
          DefaultHost.topology(), DefaultHost.withHostDriver(), DefaultHost.labVm()
        }) {
      String text = t.format();
      Topology again = Topology.parse(text);
      assertThat(again).isEqualTo(t);
      assertThat(again.format()).isEqualTo(text);
    }
  }

  @Test
  void theDefaultTopologyHasWhatItsCommentsSay() {
    Topology t = DefaultHost.topology();
    assertThat(t.functions())
        .extracting(f -> f.address().toString())
        .containsExactly(
            "0000:00:00.0",
            "0000:00:02.0",
            "0000:00:1c.0",
            "0000:00:1d.0",
            "0000:00:1e.0",
            "0000:01:00.0",
            "0000:02:00.0",
            "0000:02:01.0",
            "0000:03:00.0",
            "0000:03:00.1");
    assertThat(t.slots()).containsExactly(new SlotSpec(0, 1, 0, true));
    FunctionSpec root = t.functions().get(1);
    assertThat(root.driver()).isEqualTo(new Driver.VfioPci("plain"));
    assertThat(root.iommuGroup()).isEqualTo(OptionalInt.of(1));
    assertThat(root.flr()).isTrue();
    assertThat(root.vendor()).isEqualTo(0x1b36);
    assertThat(root.device()).isEqualTo(0x0010);
    FunctionSpec port = t.functions().get(3);
    assertThat(port.isBridge()).isTrue();
    assertThat(port.secondaryBus()).isEqualTo(OptionalInt.of(2));
    assertThat(port.busReset()).isTrue();
    assertThat(port.driver()).isEqualTo(new Driver.Host("pcieport"));
    assertThat(DefaultHost.withHostDriver().functions())
        .filteredOn(f -> f.address().toString().equals(DefaultHost.HOST_DRIVER_DEVICE))
        .singleElement()
        .satisfies(f -> assertThat(f.driver()).isEqualTo(new Driver.Host("igb")))
        .satisfies(f -> assertThat(f.iommuGroup()).isEqualTo(OptionalInt.of(9)));
  }

  @Test
  void theBuilderGivesTheSameTopologyAsTheText() {
    Topology built =
        Topology.builder()
            // in any order: the topology sorts functions by address
            .function("0000:03:00.1", 0x8086, 0x10d3, "vfio-pci", 8)
            .function("0000:00:00.0", 0x8086, 0x29c0, "host:pci-host", 0)
            .function("0000:00:02.0", 0x1b36, 0x0010, "vfio-pci", OptionalInt.of(1), true)
            .bridge("0000:00:1c.0", 0x8086, 0xa110, 0x01, true, 2)
            .slot("0000:01:00", true)
            .function("0000:01:00.0", 0x1b36, 0x0010, "vfio-pci", OptionalInt.of(3), true)
            .bridge("0000:00:1d.0", 0x8086, 0xa118, 0x02, true, 4)
            .function("0000:02:00.0", 0x1234, 0x11e8, "vfio-pci", 5)
            .function("0000:02:01.0", 0x1234, 0x11e8, "vfio-pci", 6)
            .bridge("0000:00:1e.0", 0x8086, 0x244e, 0x03, true, 7)
            .function("0000:03:00.0", 0x8086, 0x10d3, "vfio-pci", 8)
            .build();
    assertThat(built).isEqualTo(DefaultHost.topology());
    assertThat(built.format()).isEqualTo(DefaultHost.topology().format());
  }

  @Test
  void parseDefaultsAndComments() {
    Topology t =
        Topology.parse(
            """
            # a comment line
              bridge 0000:00:1c.0 8086:a110 secondary=0a   # trailing comment
            function 0a:00.0 ABCD:ef01
            slot 0000:0a:00
            """);
    FunctionSpec bridge = t.functions().get(0);
    assertThat(bridge.driver()).isEqualTo(new Driver.Host("pcieport"));
    assertThat(bridge.busReset()).isTrue();
    assertThat(bridge.iommuGroup()).isEmpty();
    assertThat(bridge.secondaryBus()).isEqualTo(OptionalInt.of(10));
    FunctionSpec f = t.functions().get(1);
    assertThat(f.address()).isEqualTo(new PciAddress(0, 10, 0, 0));
    assertThat(f.driver()).isEqualTo(new Driver.None());
    assertThat(f.flr()).isFalse();
    assertThat(f.vendor()).isEqualTo(0xabcd);
    assertThat(f.device()).isEqualTo(0xef01);
    assertThat(t.slots()).containsExactly(new SlotSpec(0, 10, 0, true));
    assertThat(Topology.parse(t.format())).isEqualTo(t);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          bad BDF               | function 0000:01:0g.0 1234:11e8 group=3          | not a PCI address
          device out of range   | function 0000:01:20.0 1234:11e8 group=3          | out of range
          bad function          | function 0000:01:01.8 1234:11e8 group=3          | not a PCI address
          bad ids               | function 0000:01:01.0 1234-11e8 group=3          | ids are VVVV:DDDD
          signed vendor id      | function 0000:01:01.0 -b36:11e8 group=3          | vendor id must be 1 to 4 hex digits
          signed device id      | function 0000:01:01.0 1234:+1e8 group=3          | device id must be 1 to 4 hex digits
          signed secondary      | bridge 0000:01:01.0 1234:11e8 secondary=-1       | secondary must be 1 to 2 hex digits
          wide secondary        | bridge 0000:01:01.0 1234:11e8 secondary=100      | secondary must be 1 to 2 hex digits
          signed slot bus       | slot 0000:+1:00                                  | slot bus must be 1 to 2 hex digits
          signed group          | function 0000:01:01.0 1234:11e8 group=+3         | group must be a decimal number
          huge group            | function 0000:01:01.0 1234:11e8 group=99999999999 | group must be a decimal number
          unknown option        | function 0000:01:01.0 1234:11e8 colour=blue      | unknown option colour
          bridge-only option    | function 0000:01:01.0 1234:11e8 secondary=05     | unknown option secondary
          duplicate option      | function 0000:01:01.0 1234:11e8 group=3 group=4  | duplicate option group
          not key=value         | function 0000:01:01.0 1234:11e8 flr              | expected key=value
          bad yes/no            | function 0000:01:01.0 1234:11e8 flr=maybe        | flr must be yes or no
          bad driver            | function 0000:01:01.0 1234:11e8 driver=nouveau   | driver must be
          negative group        | function 0000:01:01.0 1234:11e8 group=-1         | group must be a decimal number
          unknown item          | device 0000:01:01.0 1234:11e8                    | unknown item device
          too few fields        | function 0000:01:01.0                            | too few fields
          bridge w/o secondary  | bridge 0000:01:01.0 1234:11e8                    | bridge needs secondary
          bad slot              | slot 0000:01                                     | slot is DDDD:BB:SS
          slot option           | slot 0000:01:00 speed=fast                       | unknown option speed
          duplicate function    | function 0000:01:00.0 1234:11e8 group=3          | duplicate function 0000:01:00.0
          slot on a root bus    | slot 0000:00:1c reset=yes                        | on a root bus
          slot on an empty bus  | slot 0000:05:00                                  | bus with no functions
          duplicate slot        | slot 0000:01:00                                  | duplicate slot
          mdev w/o group        | mdev 83b8f4f2-509f-382f-3c1e-e6bfe0fa1001 parent=mtty type=mtty-2 | mdev needs group=
          mdev group none       | mdev 83b8f4f2-509f-382f-3c1e-e6bfe0fa1001 parent=mtty type=mtty-2 group=none | an IOMMU group of its own
          mdev unknown parent   | mdev 83b8f4f2-509f-382f-3c1e-e6bfe0fa1001 parent=i915 type=x group=4 | unknown mdev parent i915
          mdev unknown type     | mdev 83b8f4f2-509f-382f-3c1e-e6bfe0fa1001 parent=mtty type=mtty-3 group=4 | has no type mtty-3 (it offers mtty-1, mtty-2)
          mdev upper-case uuid  | mdev 83B8F4F2-509f-382f-3c1e-e6bfe0fa1001 parent=mtty type=mtty-2 group=4 | lower-case UUID
          mdev short uuid       | mdev 83b8f4f2-509f parent=mtty type=mtty-2 group=4 | lower-case UUID
          mdev option           | mdev 83b8f4f2-509f-382f-3c1e-e6bfe0fa1001 parent=mtty type=mtty-2 group=4 flr=yes | unknown option flr for mdev
          mdev in a PCI group   | mdev 83b8f4f2-509f-382f-3c1e-e6bfe0fa1001 parent=mtty type=mtty-2 group=2 | which PCI functions use
          """)
  void parseErrorsNameTheLine(String what, String line, String message) {
    // the offending line is line 4: two lines of HEAD, a comment, then it
    String text = HEAD + "# " + what + "\n" + line + "\n";
    if (what.equals("duplicate slot")) {
      text = HEAD + "slot 0000:01:00\n" + "slot 0000:01:00\n";
    }
    String input = text;
    assertThatThrownBy(() -> Topology.parse(input))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("line 4: ")
        .hasMessageContaining(message);
  }

  @Test
  void buildErrorsThatNoLineCauses() {
    assertThatThrownBy(() ->
            Topology.builder()
                .bridge("0000:00:1c.0", 1, 1, 1, true, 1)
                .bridge("0000:00:1d.0", 1, 1, 1, true, 2)
                .build())
        .hasMessageContaining("two bridges lead to bus 1");
    assertThatThrownBy(() ->
            Topology.builder()
                .bridge("0000:01:00.0", 1, 1, 2, true, 1)
                .bridge("0000:02:00.0", 1, 1, 1, true, 2)
                .build())
        .hasMessageContaining("loop");
    assertThatThrownBy(() ->
            Topology.builder()
                .function("0000:00:02.0", 1, 1, "vfio-pci", 1)
                .function("0000:00:02.0", 1, 1, "vfio-pci", 2)
                .build())
        .hasMessageContaining("duplicate function 0000:00:02.0");
  }

  @Test
  void addressesParseAndPrintAsPciName() {
    assertThat(PciAddress.parse("0000:03:00.1")).isEqualTo(new PciAddress(0, 3, 0, 1));
    assertThat(PciAddress.parse("03:1f.7")).isEqualTo(new PciAddress(0, 3, 31, 7));
    assertThat(PciAddress.parse("ABCD:ff:1F.0").toString()).isEqualTo("abcd:ff:1f.0");
    assertThat(new PciAddress(0, 3, 0, 1).devfn()).isEqualTo(1);
    assertThat(new PciAddress(0, 0, 0x1c, 0).devfn()).isEqualTo(0xe0);
    for (String bad : new String[] {"", "0:03:00.1", "0000:03:00", "0000:03:20.0", "zz:00.0"}) {
      assertThatThrownBy(() -> PciAddress.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void randomTopologiesSurviveTheTextRoundTrip() {
    String[] drivers = {"vfio-pci", "vfio-pci:plain", "host:igb", "none"};
    for (long seed = 1; seed <= 30; seed++) {
      Random rnd = new Random(seed);
      Topology.Builder b = Topology.builder();
      int buses = 1 + rnd.nextInt(4);
      for (int bus = 1; bus <= buses; bus++) {
        // bridge i on bus 0 (or on the previous bus) leads to bus i
        int parent = rnd.nextBoolean() ? 0 : bus - 1;
        b.bridge(
            String.format("0000:%02x:%02x.0", parent, 0x10 + bus),
            0x8086,
            0xa110 + bus,
            bus,
            rnd.nextBoolean(),
            100 + bus);
        if (rnd.nextBoolean()) {
          b.slot(String.format("0000:%02x:00", bus), rnd.nextBoolean());
        }
        int functions = 1 + rnd.nextInt(3);
        for (int f = 0; f < functions; f++) {
          OptionalInt group =
              rnd.nextInt(4) == 0 ? OptionalInt.empty() : OptionalInt.of(rnd.nextInt(20));
          String driver = drivers[rnd.nextInt(drivers.length)];
          if (group.isEmpty() && driver.startsWith("vfio")) {
            driver = "none";
          }
          b.function(
              String.format("0000:%02x:00.%d", bus, f),
              rnd.nextInt(0x10000),
              rnd.nextInt(0x10000),
              driver,
              group,
              rnd.nextBoolean());
        }
      }
      // mdevs in a random creation order, each in a group above the functions' (which stop at 19)
      int mdevs = rnd.nextInt(4);
      for (int m = 0; m < mdevs; m++) {
        b.mdev(
            String.format("%08x-0000-4000-8000-%012x", rnd.nextInt(1 << 30), m),
            "mtty",
            rnd.nextBoolean() ? "mtty-1" : "mtty-2",
            200 + m * 7 % 5);
      }
      Topology t = b.build();
      assertThat(Topology.parse(t.format())).as("seed %d", seed).isEqualTo(t);
      assertThat(t.mdevs()).hasSize(mdevs);
    }
  }
}
