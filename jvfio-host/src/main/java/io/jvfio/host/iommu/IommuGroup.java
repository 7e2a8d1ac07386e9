package io.jvfio.host.iommu;

import io.jvfio.host.kernel.KernelError;
import io.jvfio.host.pci.Driver;
import io.jvfio.host.pci.PciDev;
import io.jvfio.uapi.Errno;
import java.util.ArrayList;
import java.util.List;

/**
 * An IOMMU group and its DMA ownership, as the iommu core tracks it: kernel drivers use the default
 * domain (owner null); user-space owners (an iommufd context, a VFIO container) claim it with a
 * cookie, and only one owner at a time may hold it.
 */
public final class IommuGroup {
  private final int id;
  private final List<PciDev> members = new ArrayList<>(2); // most groups hold one function
  private Object owner;
  private int ownerCount;
  private volatile boolean dirtyTracking = true;

  public IommuGroup(int id) {
    this.id = id;
  }

  public int id() {
    return id;
  }

  public List<PciDev> members() {
    return List.copyOf(members);
  }

  public void addMember(PciDev dev) {
    members.add(dev);
  }

  /**
   * A host driver was bound to a member ({@code pci_dma_configure} in the driver core's probe): it
   * takes the default domain unless it manages DMA itself, so a pcieport-bound port does not make
   * the endpoints of its group unusable for VFIO.
   */
  public void hostDriverBound(Driver.Host driver) {
    if (!driver.driverManagedDma()) {
      useDefaultDomain();
    }
  }

  /** A kernel driver bound to a member: {@code iommu_device_use_default_domain}. */
  public void useDefaultDomain() {
    KernelError.check(ownerCount == 0 || owner == null, Errno.EBUSY);
    ownerCount++;
  }

  /** {@code iommu_device_claim_dma_owner}: one more device claimed by {@code cookie}. */
  public void claimDevice(Object cookie) {
    if (ownerCount > 0 && owner != cookie) {
      throw new KernelError(Errno.EPERM, "IOMMU group " + id + " DMA is owned by someone else");
    }
    owner = cookie;
    ownerCount++;
  }

  /** {@code iommu_device_release_dma_owner}. */
  public void releaseDevice(Object cookie) {
    if (ownerCount == 0 || owner != cookie) {
      throw new IllegalStateException("IOMMU group " + id + " released by a non-owner");
    }
    if (--ownerCount == 0) {
      owner = null;
    }
  }

  /** {@code iommu_group_claim_dma_owner}: the whole group, only when nobody uses it. */
  public void claimGroup(Object cookie) {
    if (ownerCount > 0) {
      throw new KernelError(Errno.EPERM, "IOMMU group " + id + " is in use");
    }
    owner = cookie;
    ownerCount = 1;
  }

  /** {@code iommu_group_release_dma_owner}. */
  public void releaseGroup(Object cookie) {
    releaseDevice(cookie);
  }

  /** {@code iommu_group_dma_owner_claimed}: anyone, kernel or user, holds it. */
  public boolean claimed() {
    return ownerCount > 0;
  }

  /** The current user-space owner cookie, or null. */
  public Object owner() {
    return owner;
  }

  /**
   * Whether the IOMMU unit behind this group has second-stage dirty bits (Linux's
   * IOMMU_CAP_DIRTY_TRACKING for every device of the group). On by default; a host may model a unit
   * without them.
   */
  public boolean dirtyTracking() {
    return dirtyTracking;
  }

  public void setDirtyTracking(boolean on) {
    dirtyTracking = on;
  }

  @Override
  public String toString() {
    return "iommu_group " + id;
  }
}
