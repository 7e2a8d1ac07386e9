package io.jvfio.devices.mtty;

import static io.jvfio.devices.mtty.MttyTestData.readAll;
import static io.jvfio.devices.mtty.MttyTestData.write;
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

import io.jvfio.host.sdk.MigrationArcs.Arc;
import io.jvfio.host.sdk.MigrationDriver;
import io.jvfio.host.sdk.MigrationDriver.Session;
import io.jvfio.host.sdk.MigrationException;
import io.jvfio.host.sdk.ResumingStream;
import io.jvfio.host.sdk.SavingStream;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.MigrationState;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The four flag configurations: each has exactly the single arcs of the uAPI's table for its flags
 * (spec 6.1), and refuses every other pair with EINVAL.
 */
class MttyArcSetTest {
  private static Arc a(MigrationState from, MigrationState to) {
    return new Arc(from, to);
  }

  private static final Set<Arc> ALWAYS =
      Set.of(a(RESUMING, STOP), a(STOP, RESUMING), a(STOP, STOP_COPY), a(STOP_COPY, STOP));
  private static final Set<Arc> NO_P2P = Set.of(a(RUNNING, STOP), a(STOP, RUNNING));
  private static final Set<Arc> P2P =
      Set.of(
          a(RUNNING, RUNNING_P2P),
          a(RUNNING_P2P, RUNNING),
          a(RUNNING_P2P, STOP),
          a(STOP, RUNNING_P2P));
  private static final Set<Arc> PRE_COPY_NO_P2P =
      Set.of(a(RUNNING, PRE_COPY), a(PRE_COPY, RUNNING), a(PRE_COPY, STOP_COPY));
  private static final Set<Arc> PRE_COPY_P2P_ARCS =
      Set.of(
          a(RUNNING, PRE_COPY),
          a(PRE_COPY, RUNNING),
          a(PRE_COPY, PRE_COPY_P2P),
          a(PRE_COPY_P2P, PRE_COPY),
          a(PRE_COPY_P2P, RUNNING_P2P),
          a(PRE_COPY_P2P, STOP_COPY),
          a(RUNNING_P2P, PRE_COPY_P2P));

  private static Set<Arc> expected(long flags) {
    Set<Arc> s = new HashSet<>(ALWAYS);
    if (flags == 0x1 || flags == 0x5) {
      s.addAll(NO_P2P);
    } else {
      s.addAll(P2P);
    }
    if (flags == 0x5) {
      s.addAll(PRE_COPY_NO_P2P);
    }
    if (flags == 0x7) {
      s.addAll(PRE_COPY_P2P_ARCS);
    }
    return s;
  }

  /** Arcs that hand out a new session, and of which kind. */
  private static final Map<Arc, Class<? extends Session>> OPENS =
      Map.of(
          a(STOP, STOP_COPY), SavingStream.class,
          a(RUNNING, PRE_COPY), SavingStream.class,
          a(RUNNING_P2P, PRE_COPY_P2P), SavingStream.class,
          a(STOP, RESUMING), ResumingStream.class);

  /**
   * Walks a device the way the core would: single arcs, the session of a session-opening arc kept
   * and closed when its state group is left, a complete image written before RESUMING -> STOP.
   */
  private static final class Walker {
    final MttyDevice device;
    final MigrationDriver m;
    MigrationState state = RUNNING;
    Session session;

    Walker(long flags, int ports) {
      device = MttyDevice.withFlags(flags, ports);
      m = device.migration();
    }

    Session step(MigrationState to) {
      if (state == RESUMING && to == STOP && session instanceof ResumingStream r) {
        byte[] image = new MttyDevice(device.portCount()).image();
        write(r, image, 0, image.length);
      }
      Session s = m.arc(state, to);
      boolean leavesSaving = state.inSavingGroup() && !to.inSavingGroup();
      if ((leavesSaving || state == RESUMING) && session != null) {
        session.close();
        session = null;
      }
      if (s != null) {
        session = s;
      }
      state = to;
      return s;
    }

    /** The shortest path over {@code arcs} from the current state, or null. */
    List<MigrationState> path(Set<Arc> arcs, MigrationState target) {
      Map<MigrationState, MigrationState> prev = new HashMap<>();
      Deque<MigrationState> queue = new ArrayDeque<>(List.of(state));
      prev.put(state, state);
      while (!queue.isEmpty()) {
        MigrationState s = queue.poll();
        if (s == target) {
          List<MigrationState> p = new ArrayList<>();
          for (MigrationState x = s; x != state; x = prev.get(x)) {
            p.add(x);
          }
          Collections.reverse(p);
          return p;
        }
        for (Arc arc : arcs) {
          if (arc.from() == s && !prev.containsKey(arc.to())) {
            prev.put(arc.to(), s);
            queue.add(arc.to());
          }
        }
      }
      return null;
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {0x1, 0x3, 0x5, 0x7})
  void eachConfigurationDeclaresItsFlagsAndTheArcsOfTheTable(long flags) {
    assertThat(MttyDevice.withFlags(flags, 1).migration().migrationFlags()).isEqualTo(flags);
    assertThat(MttyDevice.withFlags(flags, 2).migration().migrationFlags()).isEqualTo(flags);
    assertThat(MttyMigration.arcs(flags)).containsExactlyInAnyOrderElementsOf(expected(flags));
  }

  @Test
  void theSampleItselfIsTheFullConfiguration() {
    assertThat(new MttyDevice(2).migration().migrationFlags()).isEqualTo(MttyDevice.MTTY_FLAGS);
    assertThat(MttyMigration.arcs(MttyDevice.MTTY_FLAGS)).hasSize(15);
    assertThat(MttyMigration.arcs(0x1)).hasSize(6);
    assertThat(MttyMigration.arcs(0x3)).hasSize(8);
    assertThat(MttyMigration.arcs(0x5)).hasSize(9);
  }

  @Test
  void otherFlagSetsAreRefused() {
    for (long flags : new long[] {0x0, 0x2, 0x4, 0x6, 0x8, 0xf, 0x9}) {
      assertThatThrownBy(() -> MttyDevice.withFlags(flags, 1))
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> MttyDevice.withFlags(0x7, 3))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @ValueSource(longs = {0x1, 0x3, 0x5, 0x7})
  void everyArcOfTheSetWorksAndEveryOtherPairIsEinval(long flags) {
    Set<Arc> arcs = expected(flags);
    int worked = 0;
    int refused = 0;
    for (MigrationState from : MigrationState.values()) {
      for (MigrationState to : MigrationState.values()) {
        if (from == to) {
          continue;
        }
        for (int ports = 1; ports <= 2; ports++) {
          Walker w = new Walker(flags, ports);
          List<MigrationState> path = w.path(arcs, from);
          if (path != null) {
            path.forEach(w::step);
          }
          Arc arc = a(from, to);
          if (arcs.contains(arc)) {
            Session s = w.step(to);
            Class<? extends Session> kind = OPENS.get(arc);
            if (kind == null) {
              assertThat(s).as("%s on 0x%x", arc, flags).isNull();
            } else {
              assertThat(s).as("%s on 0x%x", arc, flags).isInstanceOf(kind);
            }
            worked++;
          } else {
            MigrationState at = path != null ? from : RUNNING;
            assertThatThrownBy(() -> w.m.arc(from, to))
                .as("%s on 0x%x (device walked to %s)", arc, flags, at)
                .isInstanceOfSatisfying(
                    MigrationException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
            refused++;
          }
        }
      }
    }
    assertThat(worked).isEqualTo(2 * arcs.size());
    assertThat(worked + refused).isEqualTo(2 * 8 * 7);
  }

  @ParameterizedTest
  @ValueSource(longs = {0x1, 0x3, 0x5, 0x7})
  void everyConfigurationSavesAndResumesTheSameStream(long flags) {
    for (int ports = 1; ports <= 2; ports++) {
      Walker src = new Walker(flags, ports);
      MttyTestData.run(src.device, MttyTestData.randomScript(flags * 10 + ports, ports, 150));
      byte[] image = src.device.image();
      Session s = null;
      for (MigrationState st : src.path(expected(flags), STOP_COPY)) {
        Session opened = src.step(st);
        if (opened != null) {
          s = opened;
        }
      }
      assertThat(readAll((SavingStream) s, 11)).containsExactly(image);

      Walker dst = new Walker(flags, ports);
      ResumingStream r = null;
      for (MigrationState st : dst.path(expected(flags), RESUMING)) {
        Session opened = dst.step(st);
        if (opened != null) {
          r = (ResumingStream) opened;
        }
      }
      MttyTestData.writeInPieces(r, image, flags);
      assertThat(dst.m.arc(RESUMING, STOP)).isNull();
      assertThat(dst.device.portStates()).isEqualTo(src.device.portStates());
    }
  }

  @Test
  void withPreCopyButNoP2pPreCopyToStopCopyAppendsThePorts() {
    MttyDevice d = MttyDevice.withFlags(0x5, 2);
    MigrationDriver m = d.migration();
    d.port(1).transmit("x".getBytes());
    SavingStream s = (SavingStream) m.arc(RUNNING, PRE_COPY);
    byte[] header = readAll(s, 100);
    assertThat(header).hasSize(24);
    assertThat(s.precopyInfo()).isEqualTo(new SavingStream.PrecopyInfo(0, 0));
    d.port(0).transmit("y".getBytes());
    assertThat(m.arc(PRE_COPY, STOP_COPY)).isNull();
    byte[] rest = readAll(s, 100);
    byte[] all = Arrays.copyOf(header, 24 + rest.length);
    System.arraycopy(rest, 0, all, 24, rest.length);
    assertThat(all).containsExactly(d.image());
    assertThat(m.arc(STOP_COPY, STOP)).isNull();
    assertThatThrownBy(() -> s.read(MemorySegment.ofArray(new byte[1])))
        .isInstanceOf(MigrationException.class);
  }

  @Test
  void theBlockedArcsAndErrorAreRefusedEverywhere() {
    for (long flags : new long[] {0x1, 0x3, 0x5, 0x7}) {
      MigrationDriver m = MttyDevice.withFlags(flags, 1).migration();
      for (MigrationState[] arc :
          new MigrationState[][] {
            {STOP_COPY, PRE_COPY},
            {STOP_COPY, PRE_COPY_P2P},
            {RUNNING, ERROR},
            {ERROR, RUNNING},
            {RESUMING, RUNNING},
            {RUNNING, STOP_COPY},
            {RUNNING, RESUMING}
          }) {
        assertThatThrownBy(() -> m.arc(arc[0], arc[1]))
            .isInstanceOfSatisfying(
                MigrationException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
      }
    }
  }
}
