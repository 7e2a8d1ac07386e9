package io.jvfio.devices.memdev;

import static io.jvfio.uapi.vfio.MigrationState.ERROR;
import static io.jvfio.uapi.vfio.MigrationState.PRE_COPY;
import static io.jvfio.uapi.vfio.MigrationState.PRE_COPY_P2P;
import static io.jvfio.uapi.vfio.MigrationState.RESUMING;
import static io.jvfio.uapi.vfio.MigrationState.RUNNING;
import static io.jvfio.uapi.vfio.MigrationState.RUNNING_P2P;
import static io.jvfio.uapi.vfio.MigrationState.STOP;
import static io.jvfio.uapi.vfio.MigrationState.STOP_COPY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.host.kernel.KernelError;
import io.jvfio.host.sdk.MigrationArcs;
import io.jvfio.host.sdk.MigrationArcs.Arc;
import io.jvfio.host.sdk.MigrationDriver;
import io.jvfio.host.sdk.MigrationException;
import io.jvfio.host.sdk.ResumingStream;
import io.jvfio.host.sdk.SavingStream;
import io.jvfio.host.vfio.MigrationFsm;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.MigrationState;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MemDeviceArcsTest {
  /** Whether the streams of default-configured devices carry data checksums. */
  static final boolean CRC = MemDevice.Config.DEFAULT_DATA_CRC;

  private static final long SIZE = 64 << 10;
  private final List<MemDevice> devices = new ArrayList<>();

  @AfterEach
  void destroy() {
    devices.forEach(MemDevice::destroy);
  }

  private MemDevice device(long flags) {
    MemDevice d =
        new MemDevice(MemDevice.Config.defaults().withMemorySize(SIZE).withMigrationFlags(flags));
    devices.add(d);
    return d;
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 3, 5, 7})
  void theArcSetIsExactlyTheArcsOfTheCoresPaths(long flags) {
    Set<Arc> used = new HashSet<>();
    List<MigrationState> states = MigrationFsm.states(flags);
    for (MigrationState from : states) {
      for (MigrationState to : states) {
        List<MigrationState> path;
        try {
          path = MigrationFsm.path(from, to, flags);
        } catch (KernelError e) {
          continue; // STOP_COPY -> PRE_COPY[_P2P]
        }
        MigrationState cur = from;
        for (MigrationState next : path) {
          used.add(new Arc(cur, next));
          cur = next;
        }
      }
    }
    assertThat(MigrationArcs.required(flags)).isEqualTo(used);
    int expected =
        switch ((int) flags) {
          case 1 -> 6;
          case 3 -> 8;
          case 5 -> 9;
          default -> 15;
        };
    assertThat(used).hasSize(expected);
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 3, 5, 7})
  void eachStateTakesExactlyItsArcs(long flags) {
    Set<Arc> arcs = MigrationArcs.required(flags);
    for (MigrationState from : MigrationFsm.states(flags)) {
      for (MigrationState to : MigrationState.values()) {
        MemDevice d = device(flags);
        CoreSim sim = new CoreSim(d.migration());
        sim.set(from);
        boolean ok = arcs.contains(new Arc(from, to));
        if (from == RESUMING && to == STOP) {
          CoreSim.feed(sim.resuming(), image());
        }
        if (ok) {
          MigrationDriver.Session s = d.migration().arc(from, to);
          assertThat(d.state()).as("%s -> %s", from, to).isEqualTo(to);
          if (MigrationArcs.opensSession(from, to)) {
            assertThat(s)
                .as("%s -> %s", from, to)
                .isInstanceOf(to == RESUMING ? ResumingStream.class : SavingStream.class);
          } else {
            assertThat(s).as("%s -> %s", from, to).isNull();
          }
        } else {
          assertThatThrownBy(() -> d.migration().arc(from, to))
              .as("%s -> %s", from, to)
              .isInstanceOfSatisfying(
                  MigrationException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
          assertThat(d.state()).isEqualTo(from);
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {0, 2, 4, 6, 8, 0x9})
  void otherFlagSetsAreRefused(long flags) {
    assertThatThrownBy(() -> MigrationArcs.required(flags))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> MemDevice.Config.defaults().withMigrationFlags(flags))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 3, 5, 7})
  void theSessionSurvivesMovesInsideTheSavingGroup(long flags) {
    boolean preCopy = (flags & 4) != 0;
    MemDevice d = device(flags);
    d.fillRandom(1);
    CoreSim sim = new CoreSim(d.migration());
    SavingStream s = (SavingStream) sim.set(preCopy ? PRE_COPY : STOP_COPY);
    if ((flags & 6) == 6) {
      sim.set(PRE_COPY_P2P);
      sim.set(PRE_COPY);
      sim.set(PRE_COPY_P2P);
    }
    sim.set(STOP_COPY);
    assertThat(sim.saving()).isSameAs(s);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CoreSim.drain(s, out);
    assertThat((long) out.size()).isEqualTo(StreamFormat.fullStreamLength(SIZE, CRC));
    sim.set(RUNNING);
    assertThat(sim.state()).isEqualTo(RUNNING);
    assertThat(d.state()).isEqualTo(RUNNING);
    if ((flags & 2) != 0) {
      sim.set(RUNNING_P2P);
    }
    assertThat(d.state()).isNotEqualTo(ERROR);
  }

  private byte[] image() {
    MemDevice src = device(1);
    CoreSim sim = new CoreSim(src.migration());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CoreSim.drain((SavingStream) sim.set(STOP_COPY), out);
    return out.toByteArray();
  }
}
