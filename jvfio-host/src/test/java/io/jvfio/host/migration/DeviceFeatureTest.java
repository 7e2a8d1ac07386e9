package io.jvfio.host.migration;

import static io.jvfio.host.testkit.Migrations.GET;
import static io.jvfio.host.testkit.Migrations.PROBE;
import static io.jvfio.host.testkit.Migrations.SET;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.sdk.MigrationException;
import io.jvfio.host.sdk.PlainFunction;
import io.jvfio.host.testkit.Devices;
import io.jvfio.host.testkit.Migrations;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.MigrationState;
import io.jvfio.uapi.vfio.VfioDeviceFeature;
import io.jvfio.uapi.vfio.VfioDeviceFeatureMigration;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** VFIO_DEVICE_FEATURE: the core's header checks, dispatch and {@code vfio_check_feature}. */
class DeviceFeatureTest {
  private static final int EINVAL = Errno.EINVAL.negative();
  private static final int ENOTTY = Errno.ENOTTY.negative();

  private final List<String> featureCalls = new ArrayList<>();
  private TestMigrationModel f1;
  private TestMigrationModel f3;
  private TestMigrationModel f5;
  private TestMigrationModel f7;
  private HostProcess p;
  private int plain;
  private int dev1;
  private int dev3;
  private int dev5;
  private int dev7;

  @BeforeEach
  void setUp() {
    f1 = new TestMigrationModel(0x1, 64);
    f3 = new TestMigrationModel(0x3, 64);
    f5 = new TestMigrationModel(0x5, 64);
    f7 =
        new TestMigrationModel(0x7, 96)
            .withLogging()
            .withFeature(
                3,
                (ops, payload) -> {
                  featureCalls.add(Integer.toHexString(ops) + " " + payload.byteSize());
                  if ((ops & PROBE) == 0) {
                    if (payload.get(ValueLayout.JAVA_BYTE, 0) == 0x66) {
                      throw new MigrationException(Errno.EOPNOTSUPP, "refused");
                    }
                    payload.set(ValueLayout.JAVA_INT_UNALIGNED, 0, 0x600d);
                  }
                  return 0;
                });
    Host host = Migrations.host(new PlainFunction(), f1, f3, f5, f7);
    p = host.process("vmm");
    plain = Migrations.open(p, host, 0);
    dev1 = Migrations.open(p, host, 1);
    dev3 = Migrations.open(p, host, 2);
    dev5 = Migrations.open(p, host, 3);
    dev7 = Migrations.open(p, host, 4);
  }

  private int feature(int fd, int flags, long payload) {
    return Migrations.feature(p, fd, Migrations.featureArg(flags, payload));
  }

  // ---- core header ----

  @Test
  void aHeaderThatCannotBeReadIsEfault() {
    MemorySegment four = MemorySegment.ofArray(new byte[4]);
    assertThat(p.ioctl(plain, VfioIoctls.VFIO_DEVICE_FEATURE, four))
        .isEqualTo(Errno.EFAULT.negative());
    assertThat(p.ioctl(dev7, VfioIoctls.VFIO_DEVICE_FEATURE, MemorySegment.ofArray(new byte[7])))
        .isEqualTo(Errno.EFAULT.negative());
    assertThat(p.ioctl(dev7, VfioIoctls.VFIO_DEVICE_FEATURE, 0L))
        .isEqualTo(Errno.EFAULT.negative());
  }

  @Test
  void argszBelowTheHeaderIsEinvalBeforeDispatch() {
    for (int argsz : new int[] {0, 1, 7}) {
      for (int fd : new int[] {plain, dev7}) {
        MemorySegment s = Migrations.featureArg(GET | 0xffff, 0);
        VfioDeviceFeature.ARGSZ.set(s, argsz);
        assertThat(Migrations.feature(p, fd, s)).as("argsz %d", argsz).isEqualTo(EINVAL);
        s = Migrations.featureArg(PROBE | GET | 1, 8);
        VfioDeviceFeature.ARGSZ.set(s, argsz);
        assertThat(Migrations.feature(p, fd, s)).as("argsz %d", argsz).isEqualTo(EINVAL);
      }
    }
  }

  @Test
  void flagBitsAbove18AreEinvalBeforeDispatch() {
    for (int bit = 19; bit < 32; bit++) {
      assertThat(feature(plain, (1 << bit) | 0xffff, 0)).as("bit %d", bit).isEqualTo(EINVAL);
      assertThat(feature(plain, (1 << bit) | PROBE | GET | 1, 0)).isEqualTo(EINVAL);
      assertThat(feature(dev7, (1 << bit) | GET | 2, 8)).as("bit %d", bit).isEqualTo(EINVAL);
      assertThat(feature(dev7, (1 << bit) | PROBE | GET | 2, 8)).isEqualTo(EINVAL);
    }
    assertThat(Migrations.state(p, dev7)).isEqualTo(MigrationState.RUNNING);
  }

  @Test
  void getAndSetTogetherNeedProbe() {
    assertThat(feature(plain, GET | SET | 0xffff, 0)).isEqualTo(EINVAL);
    assertThat(feature(plain, GET | SET | 2, 8)).isEqualTo(EINVAL);
    assertThat(feature(dev7, GET | SET | 2, 8)).isEqualTo(EINVAL);
    assertThat(feature(dev7, GET | SET | 3, 8)).isEqualTo(EINVAL);
    assertThat(featureCalls).isEmpty();
    // with PROBE the pair is legal: MIG_DEVICE_STATE has both ops
    assertThat(feature(dev7, PROBE | GET | SET | 2, 0)).isZero();
    assertThat(feature(dev7, PROBE | GET | SET | 3, 0)).isZero();
    assertThat(featureCalls).containsExactly("70000 0");
    // ... but MIGRATION is GET only
    assertThat(feature(dev7, PROBE | GET | SET | 1, 0)).isEqualTo(EINVAL);
  }

  // ---- absent features ----

  @Test
  void migrationFeaturesOnANonMigratableDeviceAreEnottyEvenForProbe() {
    for (int index : new int[] {1, 2, 9}) {
      for (int ops : new int[] {PROBE, PROBE | GET, PROBE | SET, PROBE | GET | SET, GET, SET}) {
        assertThat(feature(plain, ops | index, 8))
            .as("index %d ops %x", index, ops)
            .isEqualTo(ENOTTY);
      }
      // even a payload too short or no op at all: ENOTTY precedes vfio_check_feature
      assertThat(feature(plain, index, 0)).isEqualTo(ENOTTY);
      assertThat(feature(plain, GET | index, 0)).isEqualTo(ENOTTY);
    }
  }

  @Test
  void loggingFeaturesWithoutLoggingAreEnottyEvenForProbe() {
    for (int fd : new int[] {plain, dev1, dev5}) {
      for (int index : new int[] {6, 7, 8}) {
        for (int ops : new int[] {PROBE, PROBE | GET, PROBE | SET, GET, SET}) {
          assertThat(feature(fd, ops | index, 32))
              .as("fd %d index %d ops %x", fd, index, ops)
              .isEqualTo(ENOTTY);
        }
        assertThat(feature(fd, index, 0)).isEqualTo(ENOTTY);
      }
    }
  }

  @Test
  void precopyInfoV2WithoutPreCopyIsEinvalEvenForProbe() {
    for (int fd : new int[] {plain, dev1, dev3}) {
      for (int ops : new int[] {PROBE, PROBE | SET, PROBE | GET, SET, GET, 0}) {
        assertThat(feature(fd, ops | 12, 8)).as("fd %d ops %x", fd, ops).isEqualTo(EINVAL);
      }
    }
    for (int fd : new int[] {dev5, dev7}) {
      assertThat(feature(fd, PROBE | SET | 12, 0)).isZero();
      assertThat(feature(fd, PROBE | 12, 0)).isZero();
      assertThat(feature(fd, SET | 12, 0)).isZero();
      assertThat(feature(fd, SET | 12, 64)).as("data ignored").isZero();
      assertThat(feature(fd, GET | 12, 0)).isEqualTo(EINVAL);
      assertThat(feature(fd, PROBE | GET | 12, 0)).isEqualTo(EINVAL);
      assertThat(feature(fd, 12, 0)).as("no op").isEqualTo(EINVAL);
    }
  }

  @Test
  void unknownIndicesAreEnotty() {
    for (int fd : new int[] {plain, dev1, dev5, dev7}) {
      for (int index : new int[] {0, 3, 4, 5, 10, 11, 13, 0xffff}) {
        if (fd == dev7 && index == 3) {
          continue;
        }
        for (int ops : new int[] {GET, SET, PROBE, PROBE | GET | SET, 0}) {
          assertThat(feature(fd, ops | index, 16))
              .as("fd %d index %d ops %x", fd, index, ops)
              .isEqualTo(ENOTTY);
        }
      }
    }
  }

  @Test
  void anUnknownIndexWithAHugeArgszIsStillEnotty() {
    // "no upper bound on argsz": the bytes past the header are never touched for an unknown index
    MemorySegment s = Migrations.featureArg(SET | 13, 0);
    VfioDeviceFeature.ARGSZ.set(s, 0x10000);
    assertThat(Migrations.feature(p, plain, s)).isEqualTo(ENOTTY);
    assertThat(Migrations.feature(p, dev7, s)).isEqualTo(ENOTTY);
    // the model's own index sees the mapped bytes; touching past them is EFAULT
    MemorySegment own = Migrations.featureArg(GET | 3, 8);
    VfioDeviceFeature.ARGSZ.set(own, 0x10000);
    assertThat(Migrations.feature(p, dev7, own)).isZero();
    assertThat(own.get(ValueLayout.JAVA_INT_UNALIGNED, 8)).isEqualTo(0x600d);
    MemorySegment tiny = Migrations.featureArg(GET | 3, 2);
    VfioDeviceFeature.ARGSZ.set(tiny, 0x10000);
    assertThat(Migrations.feature(p, dev7, tiny)).isEqualTo(Errno.EFAULT.negative());
    assertThat(featureCalls).containsExactly("10000 8", "10000 2");
  }

  @Test
  void aModelWritingIntoReadOnlyArgumentMemoryIsEfault() {
    MemorySegment s = Migrations.featureArg(SET | 3, 8);
    assertThat(Migrations.feature(p, dev7, s.asReadOnly())).isEqualTo(Errno.EFAULT.negative());
    assertThat(s.get(ValueLayout.JAVA_INT_UNALIGNED, 8)).isZero();
  }

  @Test
  void aModelsOwnFeatureReachesIt() {
    MemorySegment s = Migrations.featureArg(SET | 3, 8);
    assertThat(Migrations.feature(p, dev7, s)).isZero();
    assertThat(s.get(ValueLayout.JAVA_INT_UNALIGNED, 8)).isEqualTo(0x600d);
    assertThat(feature(dev7, GET | 3, 4)).isZero();
    assertThat(feature(dev7, PROBE | SET | 3, 0)).isZero();
    assertThat(featureCalls).containsExactly("20000 8", "10000 4", "60000 0");
    MemorySegment refused = Migrations.featureArg(SET | 3, 4);
    refused.set(ValueLayout.JAVA_BYTE, 8, (byte) 0x66);
    assertThat(Migrations.feature(p, dev7, refused)).isEqualTo(Errno.EOPNOTSUPP.negative());
    // the same index on another device is not there
    assertThat(feature(dev5, SET | 3, 8)).isEqualTo(ENOTTY);
  }

  // ---- vfio_check_feature ----

  @Test
  void anOpTheFeatureLacksIsEinvalEvenWithProbe() {
    assertThat(feature(dev7, SET | 1, 8)).isEqualTo(EINVAL);
    assertThat(feature(dev7, PROBE | SET | 1, 8)).isEqualTo(EINVAL);
    assertThat(feature(dev7, GET | 6, 24)).isEqualTo(EINVAL);
    assertThat(feature(dev7, PROBE | GET | 6, 24)).isEqualTo(EINVAL);
    assertThat(feature(dev7, GET | 7, 0)).isEqualTo(EINVAL);
    assertThat(feature(dev7, SET | 8, 32)).isEqualTo(EINVAL);
    assertThat(feature(dev7, SET | 9, 8)).isEqualTo(EINVAL);
    assertThat(feature(dev7, PROBE | SET | 9, 8)).isEqualTo(EINVAL);
    assertThat(f7.logging().started()).isFalse();
    assertThat(f7.events()).doesNotContain("log stop");
  }

  @Test
  void neitherGetNorSetNorProbeIsEinval() {
    for (int index : new int[] {1, 2, 6, 7, 8, 9, 12}) {
      assertThat(feature(dev7, index, 64)).as("index %d", index).isEqualTo(EINVAL);
    }
  }

  @Test
  void aPayloadShorterThanTheStructIsEinval() {
    assertThat(feature(dev7, GET | 1, 7)).isEqualTo(EINVAL);
    assertThat(feature(dev7, GET | 2, 7)).isEqualTo(EINVAL);
    assertThat(feature(dev7, SET | 2, 7)).isEqualTo(EINVAL);
    assertThat(feature(dev7, SET | 6, 23)).isEqualTo(EINVAL);
    assertThat(feature(dev7, GET | 8, 31)).isEqualTo(EINVAL);
    assertThat(feature(dev7, GET | 9, 0)).isEqualTo(EINVAL);
    assertThat(f7.arcs()).isEmpty();
    assertThat(f7.events()).doesNotContain("log start", "log report");
    // minsz 0 features need no payload
    assertThat(feature(dev7, SET | 7, 0)).isZero();
    assertThat(feature(dev7, SET | 12, 0)).isZero();
  }

  @Test
  void aPayloadThatArgszPromisesButTheCallerLacksIsEfault() {
    for (int flags : new int[] {GET | 1, GET | 2, SET | 2, GET | 9, SET | 6, GET | 8}) {
      MemorySegment s = Migrations.featureArg(flags, 4);
      VfioDeviceFeature.ARGSZ.set(s, 8 + 32);
      assertThat(Migrations.feature(p, dev7, s))
          .as("flags %x", flags)
          .isEqualTo(Errno.EFAULT.negative());
    }
    assertThat(f7.arcs()).isEmpty();
    assertThat(f7.events()).doesNotContain("log start", "log report");
    // a PROBE never touches the payload
    MemorySegment s = Migrations.featureArg(PROBE | SET | 2, 0);
    VfioDeviceFeature.ARGSZ.set(s, 8 + 32);
    assertThat(Migrations.feature(p, dev7, s)).isZero();
  }

  @Test
  void aProbeOfASupportedOpIsZeroWithoutPayloadAndWritesNothing() {
    int[][] probes = {
      {PROBE | GET, 1},
      {PROBE, 1},
      {PROBE | GET, 2},
      {PROBE | SET, 2},
      {PROBE | GET | SET, 2},
      {PROBE | GET, 9},
      {PROBE | SET, 6},
      {PROBE | SET, 7},
      {PROBE | GET, 8},
      {PROBE | SET, 12},
    };
    for (int[] pr : probes) {
      assertThat(feature(dev7, pr[0] | pr[1], 0)).as("probe %x", pr[0] | pr[1]).isZero();
      MemorySegment s = Migrations.featureArg(pr[0] | pr[1], 40);
      s.asSlice(8).fill((byte) 0xa5);
      assertThat(Migrations.feature(p, dev7, s)).isZero();
      assertThat(s.asSlice(8).toArray(ValueLayout.JAVA_BYTE)).containsOnly((byte) 0xa5);
    }
    assertThat(f7.arcs()).isEmpty();
    assertThat(f7.logging().started()).isFalse();
    assertThat(f7.events()).doesNotContain("log stop", "log report");
    assertThat(Migrations.state(p, dev7)).isEqualTo(MigrationState.RUNNING);
  }

  @Test
  void migrationGetReturnsTheFlagsAsAU64AtOffset8() {
    int[] fds = {dev1, dev3, dev5, dev7};
    long[] flags = {1, 3, 5, 7};
    for (int i = 0; i < fds.length; i++) {
      MemorySegment s = Migrations.featureArg(GET | 1, 16);
      s.asSlice(8).fill((byte) 0xff);
      assertThat(Migrations.feature(p, fds[i], s)).isZero();
      assertThat(VfioDeviceFeatureMigration.FLAGS.get(s.asSlice(8))).isEqualTo(flags[i]);
      // exactly 8 bytes written
      assertThat(s.asSlice(16).toArray(ValueLayout.JAVA_BYTE)).containsOnly((byte) 0xff);
      assertThat(Migrations.migrationFlags(p, fds[i])).isEqualTo(flags[i]);
    }
  }

  @Test
  void argszLargerThanTheStructIsFine() {
    // the core copies only the struct; argsz has no upper bound
    MemorySegment s = Migrations.featureArg(GET | 1, 8);
    VfioDeviceFeature.ARGSZ.set(s, 4096);
    assertThat(Migrations.feature(p, dev5, s)).isZero();
    assertThat(VfioDeviceFeatureMigration.FLAGS.get(s.asSlice(8))).isEqualTo(5);
  }

  @Test
  void migDataSizeWorksInEveryState() {
    for (MigrationState st :
        new MigrationState[] {
          MigrationState.RUNNING,
          MigrationState.RUNNING_P2P,
          MigrationState.STOP,
          MigrationState.STOP_COPY,
          MigrationState.STOP,
          MigrationState.RESUMING,
          MigrationState.STOP
        }) {
      if (st == MigrationState.STOP && Migrations.state(p, dev7) == MigrationState.RESUMING) {
        assertThat(Devices.deviceReset(p, dev7)).isZero();
        Migrations.set(p, dev7, st);
      } else {
        Migrations.set(p, dev7, st);
      }
      assertThat(Migrations.state(p, dev7)).isEqualTo(st);
      assertThat(Migrations.dataSize(p, dev7)).as("in %s", st).isEqualTo(96);
    }
    Migrations.set(p, dev7, MigrationState.RUNNING);
    Migrations.set(p, dev7, MigrationState.PRE_COPY);
    assertThat(Migrations.dataSize(p, dev7)).isEqualTo(96);
    Migrations.set(p, dev7, MigrationState.PRE_COPY_P2P);
    assertThat(Migrations.dataSize(p, dev7)).isEqualTo(96);
    f7.breakNextArc();
    assertThat(Migrations.setState(p, dev7, MigrationState.STOP_COPY.value()).ret())
        .isEqualTo(Errno.EIO.negative());
    assertThat(Migrations.state(p, dev7)).isEqualTo(MigrationState.ERROR);
    assertThat(Migrations.dataSize(p, dev7)).as("in ERROR").isEqualTo(96);
    assertThat(Migrations.dataSize(p, dev1)).isEqualTo(64);
    assertThat(Migrations.dataSize(p, plain)).isEqualTo(ENOTTY);
  }
}
