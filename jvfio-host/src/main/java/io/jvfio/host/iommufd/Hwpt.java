package io.jvfio.host.iommufd;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A paging HW page table: an IOMMU domain over an IOAS. Auto-created ones (from ATTACH with an IOAS
 * id) disappear with their last attached device; IOMMU_HWPT_ALLOC makes explicit ones, which live
 * until IOMMU_DESTROY. Only one allocated with IOMMU_HWPT_ALLOC_DIRTY_TRACKING has dirty tracking
 * (Linux's {@code domain->dirty_ops}); while tracking is on, device writes through it set its dirty
 * bits.
 */
public final class Hwpt extends IommufdObject {
  final Ioas ioas;
  final boolean autoDomain;
  final boolean dirtyCapable;
  final boolean nestParent;
  volatile boolean tracking;
  final DirtyBits dirty = new DirtyBits();
  final Set<IommufdDevice> devices = new LinkedHashSet<>();

  Hwpt(Ioas ioas, boolean autoDomain) {
    this(ioas, autoDomain, false, false);
  }

  Hwpt(Ioas ioas, boolean autoDomain, boolean dirtyCapable, boolean nestParent) {
    this.ioas = ioas;
    this.autoDomain = autoDomain;
    this.dirtyCapable = dirtyCapable;
    this.nestParent = nestParent;
  }

  public Ioas ioas() {
    return ioas;
  }

  public boolean autoDomain() {
    return autoDomain;
  }

  /** Allocated with IOMMU_HWPT_ALLOC_DIRTY_TRACKING. */
  public boolean dirtyCapable() {
    return dirtyCapable;
  }

  /** Whether IOMMU_HWPT_SET_DIRTY_TRACKING turned tracking on. */
  public boolean tracking() {
    return tracking;
  }

  /** How many 4 KiB pages are dirty now. */
  public long dirtyPageCount() {
    return dirty.count();
  }

  /**
   * A device write of {@code [iova, iova + length)} went through this domain: with tracking on, the
   * hardware sets the dirty bits of the entries it used.
   */
  public void recordWrite(long iova, long length) {
    if (tracking && length > 0) {
      dirty.mark(iova, iova + length - 1);
    }
  }

  @Override
  public String kind() {
    return "hwpt_paging";
  }
}
