package io.jvfio.conformance;

import io.jvfio.uapi.Syscalls;
import io.jvfio.uapi.iommufd.IommuHwptGetDirtyBitmap;
import io.jvfio.uapi.iommufd.IommufdIoctls;
import java.lang.foreign.MemorySegment;

/**
 * IOMMU_HWPT_GET_DIRTY_BITMAP's range rules on a HWPT without dirty tracking
 * (docs/iommufd-dirty-tracking.md §4; hw_pagetable.c {@code iommufd_hwpt_get_dirty_bitmap},
 * io_pagetable.c {@code iommufd_check_iova_range}). Such a HWPT (the one an ATTACH to an IOAS
 * makes) answers EOPNOTSUPP only after the range checks, so EOPNOTSUPP says a range passed them:
 * that is how a kernel without dirty-tracking hardware still shows which odd ranges Linux accepts
 * (a range ending at 2^64, a page size that is not a power of two or is below the IOMMU page) and
 * which it refuses (a zero length, even at IOVA 0). No bitmap is ever read, so the kit needs no
 * memory in the caller's address space.
 */
final class DirtyBitmapChecks {
  private static final String SOURCE =
      "iommufd-dirty-tracking.md §4; io_pagetable.c iommufd_check_iova_range";

  private static final long MIB = 1L << 20;

  private DirtyBitmapChecks() {}

  /** {@code hwpt}: a paging HWPT of {@code iommufd} without dirty tracking, with a domain. */
  static void run(Syscalls sys, int iommufd, int hwpt, Recorder r) {
    r.check(
        "dirty-bitmap.no-dirty-ops",
        SOURCE + " (a valid range on a HWPT allocated without DIRTY_TRACKING)",
        "EOPNOTSUPP",
        get(sys, iommufd, hwpt, MIB, MIB, 4096));
    r.check(
        "dirty-bitmap.zero-length-at-0",
        SOURCE + " (6.12.117 tests the length first: not the whole 2^64 space)",
        "EINVAL",
        get(sys, iommufd, hwpt, 0, 0, 4096));
    r.check(
        "dirty-bitmap.zero-length",
        SOURCE + " (the length test comes before the wrap test)",
        "EINVAL",
        get(sys, iommufd, hwpt, MIB, 0, 4096));
    r.check(
        "dirty-bitmap.wraps",
        SOURCE + " (iova + length - 1 wraps)",
        "EOVERFLOW",
        get(sys, iommufd, hwpt, -4096L, 8192, 4096));
    r.check(
        "dirty-bitmap.ends-at-top",
        SOURCE + " (the last byte is 2^64 - 1: no wrap)",
        "EOPNOTSUPP",
        get(sys, iommufd, hwpt, -4096L, 4096, 4096));
    r.check(
        "dirty-bitmap.iova-below-iommu-page",
        SOURCE + " (the IOAS's IOVA alignment, 4 KiB with a domain)",
        "EINVAL",
        get(sys, iommufd, hwpt, MIB + 0x800, 0x800, 0x800));
    r.check("dirty-bitmap.page-size-0", SOURCE, "EINVAL", get(sys, iommufd, hwpt, MIB, MIB, 0));
    r.check(
        "dirty-bitmap.page-size-below-iommu-page",
        SOURCE + " (512: only iova and length are held to the IOMMU page)",
        "EOPNOTSUPP",
        get(sys, iommufd, hwpt, MIB, MIB, 512));
    r.check(
        "dirty-bitmap.page-size-not-power-of-two",
        SOURCE + " (0x3000: only a mask test with page_size - 1, which 1 MiB passes)",
        "EOPNOTSUPP",
        get(sys, iommufd, hwpt, MIB, MIB, 0x3000));
    r.check(
        "dirty-bitmap.page-size-mask-fails",
        SOURCE + " (0x3000 at iova 1 MiB + 4 KiB: the mask 0x2fff catches it)",
        "EINVAL",
        get(sys, iommufd, hwpt, MIB + 4096, 4096, 0x3000));
  }

  private static String get(
      Syscalls sys, int iommufd, int hwpt, long iova, long length, long pageSize) {
    MemorySegment s = MemorySegment.ofArray(new byte[(int) IommuHwptGetDirtyBitmap.SIZEOF]);
    IommuHwptGetDirtyBitmap.SIZE.set(s, (int) IommuHwptGetDirtyBitmap.SIZEOF);
    IommuHwptGetDirtyBitmap.HWPT_ID.set(s, hwpt);
    IommuHwptGetDirtyBitmap.IOVA.set(s, iova);
    IommuHwptGetDirtyBitmap.LENGTH.set(s, length);
    IommuHwptGetDirtyBitmap.PAGE_SIZE.set(s, pageSize);
    return Outcome.of(sys.ioctl(iommufd, IommufdIoctls.IOMMU_HWPT_GET_DIRTY_BITMAP, s));
  }
}
