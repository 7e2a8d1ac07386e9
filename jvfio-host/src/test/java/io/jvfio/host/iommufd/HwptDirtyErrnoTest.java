package io.jvfio.host.iommufd;

import static io.jvfio.host.testkit.Cdev.attach;
import static io.jvfio.host.testkit.Cdev.bindOk;
import static io.jvfio.host.testkit.Iommufd.*;
import static io.jvfio.uapi.iommufd.IommufdConstants.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.testkit.DmaModel;
import io.jvfio.host.testkit.Kit;
import io.jvfio.host.testkit.Migrations;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.iommufd.IommuHwInfo;
import io.jvfio.uapi.iommufd.IommuHwptAlloc;
import io.jvfio.uapi.iommufd.IommuHwptGetDirtyBitmap;
import io.jvfio.uapi.iommufd.IommuHwptSetDirtyTracking;
import io.jvfio.uapi.iommufd.IommufdIoctls;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The errno rules of IOMMU_HWPT_ALLOC, IOMMU_GET_HW_INFO, IOMMU_HWPT_SET_DIRTY_TRACKING and
 * IOMMU_HWPT_GET_DIRTY_BITMAP, one row each, in Linux 6.12's order of checks
 * (docs/iommufd-dirty-tracking.md). Every row starts from the same fixture: device 1 bound (device
 * 2 of a group without dirty tracking bound as 3), IOAS 2 with 1 MiB mapped at 1 MiB, a HWPT with
 * dirty tracking (4) and one without (5); a failed call leaves the objects as they were.
 */
class HwptDirtyErrnoTest {
  static final int DEV = 1;
  static final int IOAS = 2;
  static final int NO_DIRTY_DEV = 3;
  static final int DIRTY_HWPT = 4;
  static final int PLAIN_HWPT = 5;
  static final long IOVA = 0x100000;
  static final long LEN = 0x100000;

  /** The fixture a row runs against. */
  record Fx(HostProcess p, int fd, MemorySegment bitmap) {
    int ioctl(long request, MemorySegment arg) {
      return p.ioctl(fd, request, arg);
    }
  }

  private static Fx fixture(Host host) {
    HostProcess p = host.process("vmm");
    int fd = openIommufdOk(p);
    int dev = Kit.openOk(p, Migrations.device(host, 0).cdevPath());
    assertThat(bindOk(p, dev, fd)).isEqualTo(DEV);
    assertThat(ioasAllocOk(p, fd)).isEqualTo(IOAS);
    Migrations.device(host, 1).iommuGroup().setDirtyTracking(false);
    int dev2 = Kit.openOk(p, Migrations.device(host, 1).cdevPath());
    assertThat(bindOk(p, dev2, fd)).isEqualTo(NO_DIRTY_DEV);
    MemorySegment ram = p.memory().map(LEN);
    assertThat(mapFixed(p, fd, IOAS, IOVA, ram.address(), LEN)).isZero();
    assertThat(hwptAlloc(p, fd, IOMMU_HWPT_ALLOC_DIRTY_TRACKING, DEV, IOAS)).isEqualTo(DIRTY_HWPT);
    assertThat(hwptAlloc(p, fd, 0, DEV, IOAS)).isEqualTo(PLAIN_HWPT);
    assertThat(attach(p, dev, DIRTY_HWPT)).isEqualTo(DIRTY_HWPT);
    return new Fx(p, fd, p.memory().map(4096));
  }

  private static Arguments row(
      String name, Errno expected, java.util.function.ToIntFunction<Fx> call) {
    return Arguments.of(name, expected, call);
  }

  private static java.util.function.ToIntFunction<Fx> alloc(Consumer<MemorySegment> edit) {
    return f -> {
      MemorySegment s = hwptAllocArg(0, DEV, IOAS);
      edit.accept(s);
      return f.ioctl(IommufdIoctls.IOMMU_HWPT_ALLOC, s);
    };
  }

  private static java.util.function.ToIntFunction<Fx> hwInfo(Consumer<MemorySegment> edit) {
    return f -> {
      MemorySegment s = Kit.buf(IommuHwInfo.SIZEOF);
      IommuHwInfo.SIZE.set(s, (int) IommuHwInfo.SIZEOF);
      IommuHwInfo.DEV_ID.set(s, DEV);
      edit.accept(s);
      return f.ioctl(IommufdIoctls.IOMMU_GET_HW_INFO, s);
    };
  }

  private static java.util.function.ToIntFunction<Fx> setDirty(Consumer<MemorySegment> edit) {
    return f -> {
      MemorySegment s = Kit.buf(IommuHwptSetDirtyTracking.SIZEOF);
      IommuHwptSetDirtyTracking.SIZE.set(s, (int) IommuHwptSetDirtyTracking.SIZEOF);
      IommuHwptSetDirtyTracking.FLAGS.set(s, IOMMU_HWPT_DIRTY_TRACKING_ENABLE);
      IommuHwptSetDirtyTracking.HWPT_ID.set(s, DIRTY_HWPT);
      edit.accept(s);
      return f.ioctl(IommufdIoctls.IOMMU_HWPT_SET_DIRTY_TRACKING, s);
    };
  }

  private static java.util.function.ToIntFunction<Fx> bitmap(Consumer<MemorySegment> edit) {
    return f -> {
      MemorySegment s = dirtyBitmapArg(DIRTY_HWPT, 0, IOVA, LEN, 4096, f.bitmap().address());
      edit.accept(s);
      return f.ioctl(IommufdIoctls.IOMMU_HWPT_GET_DIRTY_BITMAP, s);
    };
  }

  static Stream<Arguments> rows() {
    return Stream.of(
        // IOMMU_HWPT_ALLOC: main.c size, then hw_pagetable.c iommufd_hwpt_alloc
        row("alloc size below 24", Errno.EINVAL, alloc(s -> IommuHwptAlloc.SIZE.set(s, 20))),
        row("alloc __reserved", Errno.EOPNOTSUPP, alloc(s -> IommuHwptAlloc.RESERVED.set(s, 1))),
        row(
            "alloc __reserved before a bad dev_id",
            Errno.EOPNOTSUPP,
            alloc(s -> {
              IommuHwptAlloc.RESERVED.set(s, 1);
              IommuHwptAlloc.DEV_ID.set(s, 99);
            })),
        row(
            "alloc data_type NONE with data_len",
            Errno.EINVAL,
            alloc(s -> IommuHwptAlloc.DATA_LEN.set(s, 8))),
        row(
            "alloc data_type VTD_S1 without data_len",
            Errno.EINVAL,
            alloc(s -> IommuHwptAlloc.DATA_TYPE.set(s, IOMMU_HWPT_DATA_VTD_S1))),
        row(
            "alloc data rule before a bad dev_id",
            Errno.EINVAL,
            alloc(s -> {
              IommuHwptAlloc.DATA_LEN.set(s, 8);
              IommuHwptAlloc.DEV_ID.set(s, 99);
            })),
        row("alloc unknown dev_id", Errno.ENOENT, alloc(s -> IommuHwptAlloc.DEV_ID.set(s, 99))),
        row(
            "alloc dev_id of an IOAS",
            Errno.ENOENT,
            alloc(s -> IommuHwptAlloc.DEV_ID.set(s, IOAS))),
        row(
            "alloc bad dev_id before a bad pt_id",
            Errno.ENOENT,
            alloc(s -> {
              IommuHwptAlloc.DEV_ID.set(s, 99);
              IommuHwptAlloc.PT_ID.set(s, 99);
            })),
        row("alloc unknown pt_id", Errno.EINVAL, alloc(s -> IommuHwptAlloc.PT_ID.set(s, 99))),
        row("alloc pt_id of a device", Errno.EINVAL, alloc(s -> IommuHwptAlloc.PT_ID.set(s, DEV))),
        row(
            "alloc unknown flag",
            Errno.EOPNOTSUPP,
            alloc(s -> IommuHwptAlloc.FLAGS.set(s, 1 << 3))),
        row(
            "alloc NEST_PARENT (no nesting in the emulated VT-d)",
            Errno.EOPNOTSUPP,
            alloc(s -> IommuHwptAlloc.FLAGS.set(s, IOMMU_HWPT_ALLOC_NEST_PARENT))),
        row(
            "alloc with driver data on an IOAS",
            Errno.EOPNOTSUPP,
            alloc(s -> {
              IommuHwptAlloc.DATA_TYPE.set(s, IOMMU_HWPT_DATA_VTD_S1);
              IommuHwptAlloc.DATA_LEN.set(s, 8);
            })),
        row(
            "alloc DIRTY_TRACKING for a device whose IOMMU has none",
            Errno.EOPNOTSUPP,
            alloc(s -> {
              IommuHwptAlloc.FLAGS.set(s, IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
              IommuHwptAlloc.DEV_ID.set(s, NO_DIRTY_DEV);
            })),
        row(
            "alloc nested on a HWPT that is not a nesting parent",
            Errno.EINVAL,
            alloc(s -> {
              IommuHwptAlloc.PT_ID.set(s, PLAIN_HWPT);
              IommuHwptAlloc.DATA_TYPE.set(s, IOMMU_HWPT_DATA_VTD_S1);
              IommuHwptAlloc.DATA_LEN.set(s, 8);
            })),
        row(
            "alloc nested without data",
            Errno.EOPNOTSUPP,
            alloc(s -> IommuHwptAlloc.PT_ID.set(s, PLAIN_HWPT))),
        row(
            "alloc FAULT_ID_VALID finds no fault object",
            Errno.ENOENT,
            alloc(s -> IommuHwptAlloc.FLAGS.set(s, IOMMU_HWPT_FAULT_ID_VALID))),
        // IOMMU_GET_HW_INFO: device.c iommufd_get_hw_info
        row("hw_info size below 32", Errno.EINVAL, hwInfo(s -> IommuHwInfo.SIZE.set(s, 28))),
        row("hw_info flags", Errno.EOPNOTSUPP, hwInfo(s -> IommuHwInfo.FLAGS.set(s, 1))),
        row(
            "hw_info __reserved[2]",
            Errno.EOPNOTSUPP,
            hwInfo(s ->
                s.set(
                    java.lang.foreign.ValueLayout.JAVA_BYTE,
                    IommuHwInfo.RESERVED_OFFSET + 2,
                    (byte) 1))),
        row("hw_info unknown dev_id", Errno.ENOENT, hwInfo(s -> IommuHwInfo.DEV_ID.set(s, 99))),
        row(
            "hw_info dev_id of a HWPT",
            Errno.ENOENT,
            hwInfo(s -> IommuHwInfo.DEV_ID.set(s, DIRTY_HWPT))),
        row(
            "hw_info data_len with no buffer",
            Errno.EFAULT,
            hwInfo(s -> IommuHwInfo.DATA_LEN.set(s, 8))),
        // IOMMU_HWPT_SET_DIRTY_TRACKING: hw_pagetable.c, io_pagetable.c iopt_set_dirty_tracking
        row(
            "set_dirty size below 16",
            Errno.EINVAL,
            setDirty(s -> IommuHwptSetDirtyTracking.SIZE.set(s, 12))),
        row(
            "set_dirty unknown flag",
            Errno.EOPNOTSUPP,
            setDirty(s -> IommuHwptSetDirtyTracking.FLAGS.set(s, 3))),
        row(
            "set_dirty unknown flag before a bad hwpt_id",
            Errno.EOPNOTSUPP,
            setDirty(s -> {
              IommuHwptSetDirtyTracking.FLAGS.set(s, 2);
              IommuHwptSetDirtyTracking.HWPT_ID.set(s, 99);
            })),
        row(
            "set_dirty unknown hwpt_id",
            Errno.ENOENT,
            setDirty(s -> IommuHwptSetDirtyTracking.HWPT_ID.set(s, 99))),
        row(
            "set_dirty hwpt_id of an IOAS",
            Errno.ENOENT,
            setDirty(s -> IommuHwptSetDirtyTracking.HWPT_ID.set(s, IOAS))),
        row(
            "set_dirty on a HWPT allocated without DIRTY_TRACKING",
            Errno.EOPNOTSUPP,
            setDirty(s -> IommuHwptSetDirtyTracking.HWPT_ID.set(s, PLAIN_HWPT))),
        // IOMMU_HWPT_GET_DIRTY_BITMAP: hw_pagetable.c, io_pagetable.c, iova_bitmap.c
        row(
            "bitmap size below 48",
            Errno.EINVAL,
            bitmap(s -> IommuHwptGetDirtyBitmap.SIZE.set(s, 40))),
        row(
            "bitmap unknown flag",
            Errno.EOPNOTSUPP,
            bitmap(s -> IommuHwptGetDirtyBitmap.FLAGS.set(s, 2))),
        row(
            "bitmap __reserved",
            Errno.EOPNOTSUPP,
            bitmap(s -> IommuHwptGetDirtyBitmap.RESERVED.set(s, 1))),
        row(
            "bitmap unknown hwpt_id",
            Errno.ENOENT,
            bitmap(s -> IommuHwptGetDirtyBitmap.HWPT_ID.set(s, 99))),
        row(
            "bitmap hwpt_id of a device",
            Errno.ENOENT,
            bitmap(s -> IommuHwptGetDirtyBitmap.HWPT_ID.set(s, DEV))),
        row(
            "bitmap iova + length - 1 wraps",
            Errno.EOVERFLOW,
            bitmap(s -> {
              IommuHwptGetDirtyBitmap.IOVA.set(s, -0x1000L);
              IommuHwptGetDirtyBitmap.LENGTH.set(s, 0x2000);
            })),
        row(
            // 6.12.117's iommufd_check_iova_range tests the length first (the lab agrees)
            "bitmap zero length",
            Errno.EINVAL,
            bitmap(s -> IommuHwptGetDirtyBitmap.LENGTH.set(s, 0))),
        row(
            "bitmap zero length at iova 0 (not the whole space)",
            Errno.EINVAL,
            bitmap(s -> {
              IommuHwptGetDirtyBitmap.IOVA.set(s, 0);
              IommuHwptGetDirtyBitmap.LENGTH.set(s, 0);
            })),
        row(
            "bitmap zero length before the HWPT's capability",
            Errno.EINVAL,
            bitmap(s -> {
              IommuHwptGetDirtyBitmap.HWPT_ID.set(s, PLAIN_HWPT);
              IommuHwptGetDirtyBitmap.LENGTH.set(s, 0);
            })),
        row(
            "bitmap iova not aligned to the IOAS",
            Errno.EINVAL,
            bitmap(s -> IommuHwptGetDirtyBitmap.IOVA.set(s, IOVA + 0x800))),
        row(
            "bitmap end not aligned to the IOAS",
            Errno.EINVAL,
            bitmap(s -> IommuHwptGetDirtyBitmap.LENGTH.set(s, 0x1800))),
        row(
            "bitmap page_size 0",
            Errno.EINVAL,
            bitmap(s -> IommuHwptGetDirtyBitmap.PAGE_SIZE.set(s, 0))),
        row(
            "bitmap iova not aligned to page_size",
            Errno.EINVAL,
            bitmap(s -> {
              IommuHwptGetDirtyBitmap.IOVA.set(s, IOVA + 0x1000);
              IommuHwptGetDirtyBitmap.LENGTH.set(s, 0x2000);
              IommuHwptGetDirtyBitmap.PAGE_SIZE.set(s, 0x2000);
            })),
        row(
            "bitmap range rules before the HWPT's capability",
            Errno.EINVAL,
            bitmap(s -> {
              IommuHwptGetDirtyBitmap.HWPT_ID.set(s, PLAIN_HWPT);
              IommuHwptGetDirtyBitmap.PAGE_SIZE.set(s, 0);
            })),
        row(
            "bitmap on a HWPT allocated without DIRTY_TRACKING",
            Errno.EOPNOTSUPP,
            bitmap(s -> IommuHwptGetDirtyBitmap.HWPT_ID.set(s, PLAIN_HWPT))),
        // the rows below: iommufd_check_iova_range's order, and iova_bitmap's pin for writing
        row(
            "bitmap unknown flag before a bad hwpt_id",
            Errno.EOPNOTSUPP,
            bitmap(s -> {
              IommuHwptGetDirtyBitmap.FLAGS.set(s, 2);
              IommuHwptGetDirtyBitmap.HWPT_ID.set(s, 99);
            })),
        row(
            "bitmap bad hwpt_id before the range rules",
            Errno.ENOENT,
            bitmap(s -> {
              IommuHwptGetDirtyBitmap.HWPT_ID.set(s, 99);
              IommuHwptGetDirtyBitmap.LENGTH.set(s, 0);
            })),
        row(
            "bitmap overflow before page_size 0",
            Errno.EOVERFLOW,
            bitmap(s -> {
              IommuHwptGetDirtyBitmap.IOVA.set(s, -0x1000L);
              IommuHwptGetDirtyBitmap.LENGTH.set(s, 0x2000);
              IommuHwptGetDirtyBitmap.PAGE_SIZE.set(s, 0);
            })),
        row(
            "bitmap end not aligned to page_size",
            Errno.EINVAL,
            bitmap(s -> {
              IommuHwptGetDirtyBitmap.LENGTH.set(s, 0x3000);
              IommuHwptGetDirtyBitmap.PAGE_SIZE.set(s, 0x2000);
            })),
        row(
            // only a mask test: 0x3000 - 1 = 0x2fff catches iova 0x101000
            "bitmap page_size not a power of two fails its mask",
            Errno.EINVAL,
            bitmap(s -> {
              IommuHwptGetDirtyBitmap.IOVA.set(s, IOVA + 0x1000);
              IommuHwptGetDirtyBitmap.LENGTH.set(s, 0x1000);
              IommuHwptGetDirtyBitmap.PAGE_SIZE.set(s, 0x3000);
            })),
        row(
            "bitmap page_size below the IOMMU page does not excuse an unaligned iova",
            Errno.EINVAL,
            bitmap(s -> {
              IommuHwptGetDirtyBitmap.IOVA.set(s, IOVA + 0x200);
              IommuHwptGetDirtyBitmap.LENGTH.set(s, 0x1000 - 0x200);
              IommuHwptGetDirtyBitmap.PAGE_SIZE.set(s, 0x200);
            })),
        row(
            "bitmap zero length before a wrap",
            Errno.EINVAL,
            bitmap(s -> {
              IommuHwptGetDirtyBitmap.IOVA.set(s, -0x1000L);
              IommuHwptGetDirtyBitmap.LENGTH.set(s, 0);
            })));
  }

  /** A GET_DIRTY_BITMAP that Linux accepts, with tracking on unless {@code trackingOn} is false. */
  private static java.util.function.ToIntFunction<Fx> accepted(
      boolean trackingOn, Consumer<MemorySegment> edit) {
    return f -> {
      assertThat(setDirtyTracking(f.p(), f.fd(), DIRTY_HWPT, trackingOn)).isZero();
      return bitmap(edit).applyAsInt(f);
    };
  }

  /**
   * Calls that look wrong but pass Linux 6.12.117's checks (iommufd_check_iova_range tests
   * page_size only by masks, and the bitmap memory is pinned only when a bit is set); what they
   * report is in DirtyBitmapEdgeTest.
   */
  static Stream<Arguments> acceptedRows() {
    return Stream.of(
        Arguments.of(
            "bitmap address 0 (nothing is pinned until a bit is set)",
            accepted(true, s -> IommuHwptGetDirtyBitmap.DATA.set(s, 0))),
        Arguments.of(
            "bitmap memory read-only",
            (java.util.function.ToIntFunction<Fx>)
                f -> {
                  assertThat(setDirtyTracking(f.p(), f.fd(), DIRTY_HWPT, true)).isZero();
                  MemorySegment ro = f.p().memory().adopt(f.bitmap().asReadOnly());
                  MemorySegment s = dirtyBitmapArg(DIRTY_HWPT, 0, IOVA, LEN, 4096, ro.address());
                  return f.ioctl(IommufdIoctls.IOMMU_HWPT_GET_DIRTY_BITMAP, s);
                }),
        Arguments.of(
            "a range ending exactly at 2^64",
            accepted(
                true,
                s -> {
                  IommuHwptGetDirtyBitmap.IOVA.set(s, -0x1000L);
                  IommuHwptGetDirtyBitmap.LENGTH.set(s, 0x1000);
                })),
        Arguments.of(
            "page_size below the IOMMU page",
            accepted(true, s -> IommuHwptGetDirtyBitmap.PAGE_SIZE.set(s, 0x200))),
        Arguments.of(
            "page_size not a power of two that passes its mask",
            accepted(true, s -> IommuHwptGetDirtyBitmap.PAGE_SIZE.set(s, 0x3000))),
        Arguments.of(
            "a bitmap smaller than the range",
            accepted(true, s -> IommuHwptGetDirtyBitmap.PAGE_SIZE.set(s, 1))),
        Arguments.of(
            "tracking not enabled (VT-d refuses the read; iommufd drops that)",
            accepted(false, s -> {})),
        Arguments.of(
            "NO_CLEAR",
            accepted(
                true,
                s -> IommuHwptGetDirtyBitmap.FLAGS.set(s, IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("acceptedRows")
  void accepted(String name, java.util.function.ToIntFunction<Fx> call) {
    Host host = Migrations.host(new DmaModel(), new DmaModel());
    try {
      Fx f = fixture(host);
      List<String> before = objects(f.p(), f.fd());
      assertThat(call.applyAsInt(f)).as(name).isZero();
      assertThat(objects(f.p(), f.fd())).as("objects after the call").isEqualTo(before);
    } finally {
      host.close();
    }
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("rows")
  void errno(String name, Errno expected, java.util.function.ToIntFunction<Fx> call) {
    Host host = Migrations.host(new DmaModel(), new DmaModel());
    try {
      Fx f = fixture(host);
      List<String> before = objects(f.p(), f.fd());
      assertThat(call.applyAsInt(f)).as(name).isEqualTo(expected.negative());
      assertThat(objects(f.p(), f.fd())).as("objects after a failed call").isEqualTo(before);
    } finally {
      host.close();
    }
  }
}
