package io.jvfio.host.iommufd;

import static io.jvfio.host.testkit.Cdev.*;
import static io.jvfio.host.testkit.Devices.*;
import static io.jvfio.host.testkit.Iommufd.*;
import static io.jvfio.host.testkit.Kit.*;
import static io.jvfio.uapi.iommufd.IommufdConstants.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.iommufd.IommuOption;
import io.jvfio.uapi.iommufd.IommufdIoctls;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** IOMMU_OPTION: RLIMIT_MODE on the context, HUGE_PAGES on an IOAS (selftest global_options). */
class IommufdOptionTest {
  private HostProcess p;
  private int fd;

  @BeforeEach
  void setUp() {
    p = new Host(DefaultHost.topology()).process("vmm");
    fd = openIommufdOk(p);
  }

  private record Result(int ret, long val, byte[] bytes) {}

  private Result option(int optionId, int op, int objectId, long val, int reserved) {
    MemorySegment s = filled(IommuOption.SIZEOF, 0);
    IommuOption.SIZE.set(s, (int) IommuOption.SIZEOF);
    IommuOption.OPTION_ID.set(s, optionId);
    IommuOption.OP.set(s, op);
    IommuOption.RESERVED.set(s, reserved);
    IommuOption.OBJECT_ID.set(s, objectId);
    IommuOption.VAL64.set(s, val);
    int ret = p.ioctl(fd, IommufdIoctls.IOMMU_OPTION, s);
    return new Result(ret, IommuOption.VAL64.get(s), bytes(s));
  }

  @Test
  void rlimitModeGetsAndSetsWhileTheContextIsEmpty() {
    assertThat(option(IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_GET, 0, 77, 0))
        .extracting(Result::ret, Result::val)
        .containsExactly(0, 0L);
    assertThat(option(IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_SET, 0, 1, 0).ret()).isZero();
    assertThat(option(IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_GET, 0, 0, 0).val()).isEqualTo(1);
    assertThat(option(IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_SET, 0, 2, 0).ret())
        .isEqualTo(Errno.EINVAL.negative());
    assertThat(option(IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_SET, 0, 0, 0).ret()).isZero();
  }

  @Test
  void rlimitModeIsBusyOnceAnObjectExistsAndRejectsAnObjectId() {
    ioasAllocOk(p, fd);
    assertThat(option(IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_SET, 0, 1, 0).ret())
        .isEqualTo(Errno.EBUSY.negative());
    assertThat(option(IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_GET, 1, 0, 0).ret())
        .isEqualTo(Errno.EOPNOTSUPP.negative());
    assertThat(option(IOMMU_OPTION_RLIMIT_MODE, 7, 0, 0, 0).ret())
        .isEqualTo(Errno.EOPNOTSUPP.negative());
  }

  @Test
  void reservedFieldAndUnknownOptionAreEopnotsupp() {
    assertThat(option(IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_GET, 0, 0, 1).ret())
        .isEqualTo(Errno.EOPNOTSUPP.negative());
    assertThat(option(9, IOMMU_OPTION_OP_GET, 0, 0, 0).ret())
        .isEqualTo(Errno.EOPNOTSUPP.negative());
  }

  @Test
  void hugePagesNeedsAnIoasAndTurningThemOffForcesPageAlignment() {
    assertThat(option(IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_GET, 0, 0, 0).ret())
        .isEqualTo(Errno.ENOENT.negative());
    int ioas = ioasAllocOk(p, fd);
    assertThat(option(IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_GET, ioas, 0, 0).val()).isEqualTo(1);
    assertThat(iovaRanges(p, fd, ioas, 4).alignment()).isEqualTo(1);

    assertThat(option(IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_SET, ioas, 0, 0).ret()).isZero();
    assertThat(option(IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_GET, ioas, 0, 0).val()).isZero();
    assertThat(iovaRanges(p, fd, ioas, 4).alignment()).isEqualTo(4096);
    assertThat(option(IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_SET, ioas, 5, 0).ret())
        .isEqualTo(Errno.EINVAL.negative());
  }

  @Test
  void hugePagesCannotBeTurnedOffUnderAnUnalignedMapping() {
    int ioas = ioasAllocOk(p, fd);
    MemorySegment ram = p.memory().map(8192);
    assertThat(mapFixed(p, fd, ioas, 0x10000, ram.address(), 100)).isZero();
    assertThat(option(IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_SET, ioas, 0, 0).ret())
        .isEqualTo(Errno.EADDRINUSE.negative());
    assertThat(option(IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_GET, ioas, 0, 0).val()).isEqualTo(1);
  }

  @Test
  void getLeavesTheRequestIntactAndAnswersInVal64() {
    int ioas = ioasAllocOk(p, fd);
    Result r = option(IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_GET, ioas, 0, 0);
    assertThat(r.ret()).isZero();
    MemorySegment expected = filled(IommuOption.SIZEOF, 0);
    IommuOption.SIZE.set(expected, (int) IommuOption.SIZEOF);
    IommuOption.OPTION_ID.set(expected, IOMMU_OPTION_HUGE_PAGES);
    IommuOption.OP.set(expected, IOMMU_OPTION_OP_GET);
    IommuOption.OBJECT_ID.set(expected, ioas);
    IommuOption.VAL64.set(expected, 1);
    assertThat(r.bytes()).isEqualTo(bytes(expected));
  }
}
