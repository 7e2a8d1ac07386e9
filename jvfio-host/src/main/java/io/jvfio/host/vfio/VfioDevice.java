package io.jvfio.host.vfio;

import io.jvfio.host.iommu.IommuGroup;
import io.jvfio.host.iommufd.Ioas;
import io.jvfio.host.iommufd.IommufdAccess;
import io.jvfio.host.iommufd.IommufdContext;
import io.jvfio.host.iommufd.IommufdDevice;
import io.jvfio.host.kernel.KernelError;
import io.jvfio.host.pci.MdevSpec;
import io.jvfio.host.pci.PciDev;
import io.jvfio.host.pci.PciTree;
import io.jvfio.host.sdk.DeviceContext;
import io.jvfio.host.sdk.DeviceModel;
import io.jvfio.host.sdk.Dma;
import io.jvfio.host.sdk.DmaPort;
import io.jvfio.uapi.Errno;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A function bound to vfio-pci: the vfio core's device (open count, cdev state, iommufd binding)
 * and vfio-pci's own state (reset_works, needs_reset). The model behind it sees only open, close
 * and reset.
 *
 * <p>Or a mediated device ({@link #mdev()} not null, {@link #pci()} null): registered as an
 * emulated IOMMU device, it binds to iommufd through an access instead of a device object, its
 * parent's driver answers GET_INFO and RESET, and nothing of vfio-pci (function resets at open and
 * close, device sets, hot reset) applies to it.
 */
public final class VfioDevice {
  private final PciDev pci;
  private final MdevSpec mdev;
  private final DeviceModel model;
  private final int index;
  private final IommuGroup iommuGroup;
  VfioGroup group;
  DeviceSet devSet;
  private volatile int openCount;
  boolean cdevOpened;
  // read by device threads doing DMA (DeviceDmaSpace)
  volatile IommufdDevice iommufd;
  volatile IommufdAccess access;
  private boolean resetWorks;
  boolean needsReset;
  private int resets;
  private final ModelFailures failures;
  private final DeviceMigration migration;
  // made on first use: of thousands of functions on a host few are ever opened
  private volatile ReentrantReadWriteLock memoryLock;
  // the model's DMA: one port for the device's life, following whatever it is attached to
  private final DmaPort dma;

  VfioDevice(PciDev pci, DeviceModel model, int index, IommuGroup iommuGroup) {
    this(pci, null, model, index, iommuGroup);
  }

  VfioDevice(MdevSpec mdev, DeviceModel model, int index, IommuGroup iommuGroup) {
    this(null, mdev, model, index, iommuGroup);
  }

  private VfioDevice(
      PciDev pci, MdevSpec mdev, DeviceModel model, int index, IommuGroup iommuGroup) {
    this.pci = pci;
    this.mdev = mdev;
    this.model = model;
    this.index = index;
    this.iommuGroup = iommuGroup;
    this.failures = new ModelFailures(this);
    this.migration =
        model.migration() == null ? null : new DeviceMigration(this, model.migration());
    this.dma = new DmaPort(new DeviceDmaSpace(this), model::dmaLogging);
  }

  /** The device's DMA (what its model gets in its context): faults are counted there. */
  public Dma dma() {
    return dma;
  }

  /**
   * vfio-pci's memory lock: region access and model work hold the read side; a hot reset tries the
   * write side of every member (EBUSY when one is held), VFIO_DEVICE_RESET waits for it.
   */
  public ReentrantReadWriteLock memoryLock() {
    ReentrantReadWriteLock l = memoryLock;
    if (l == null) {
      synchronized (this) {
        l = memoryLock;
        if (l == null) {
          l = new ReentrantReadWriteLock();
          memoryLock = l;
        }
      }
    }
    return l;
  }

  /** The model's bugs the core caught (and answered with EIO) at this device. */
  public ModelFailures modelFailures() {
    return failures;
  }

  /** The core's migration state of this device, or null when its model cannot migrate. */
  public DeviceMigration migration() {
    return migration;
  }

  /** The PCI function bound to vfio-pci, or null for an mdev. */
  public PciDev pci() {
    return pci;
  }

  /** The mediated device, or null for a PCI function. */
  public MdevSpec mdev() {
    return mdev;
  }

  public boolean isMdev() {
    return mdev != null;
  }

  /** The vendor id the device's config space shows. */
  public int vendor() {
    return mdev != null ? mdev.type().vendor() : pci.spec().vendor();
  }

  /** The device id the device's config space shows. */
  public int deviceId() {
    return mdev != null ? mdev.type().device() : pci.spec().device();
  }

  public DeviceModel model() {
    return model;
  }

  /** {@code dev_name()}: the PCI address, or an mdev's UUID. */
  public String name() {
    return mdev != null ? mdev.uuid() : pci.name();
  }

  /** The N of {@code /dev/vfio/devices/vfioN}. */
  public int index() {
    return index;
  }

  public String cdevPath() {
    return "/dev/vfio/devices/vfio" + index;
  }

  public IommuGroup iommuGroup() {
    return iommuGroup;
  }

  /** The legacy vfio group, or null when the function has no IOMMU group. */
  public VfioGroup group() {
    return group;
  }

  public DeviceSet devSet() {
    return devSet;
  }

  public int openCount() {
    return openCount;
  }

  public boolean cdevOpened() {
    return cdevOpened;
  }

  /** The iommufd binding (cdev BIND, or the group path with an iommufd), or null. */
  public IommufdDevice iommufdBinding() {
    return iommufd;
  }

  /** An mdev's iommufd access (cdev BIND, or the group path with an iommufd), or null. */
  public IommufdAccess iommufdAccess() {
    return access;
  }

  /** The id BIND reports: the device object's, or an mdev's access's. */
  int boundId() {
    return mdev != null ? access.id() : iommufd.id();
  }

  public boolean resetWorks() {
    return resetWorks;
  }

  public boolean needsReset() {
    return needsReset;
  }

  /** How many resets (function, slot or bus) reached the hardware. */
  public int resets() {
    return resets;
  }

  /**
   * A function, slot or bus reset reached the hardware. Like a PCI {@code reset_done} handler of a
   * migration driver, it puts the migration FSM back to RUNNING, except around open and close for a
   * device that keeps its state across them.
   */
  void hardwareReset() {
    hardwareReset(true);
  }

  void hardwareReset(boolean migrationToo) {
    resets++;
    try {
      model.reset();
    } catch (Throwable t) {
      throw failures.answer("reset", t);
    }
    if (migration != null && migrationToo) {
      migration.reset();
    }
  }

  private boolean resetsMigrationAtOpenAndClose() {
    return migration != null && !migration.driver().keepsStateAcrossClose();
  }

  /** {@code vfio_df_open} through cdev BIND: one bind per device. */
  void openForCdev(IommufdContext ictx) {
    KernelError.check(openCount == 0, Errno.EINVAL);
    if (mdev != null) {
      // vfio_iommufd_emulated_bind: an access, no DMA ownership claimed
      IommufdAccess a = ictx.createAccess(this);
      try {
        enable();
      } catch (RuntimeException e) {
        ictx.destroyAccess(a);
        throw e;
      }
      access = a;
      openCount = 1;
      return;
    }
    IommufdDevice binding = ictx.bind(iommuGroup, this);
    try {
      enable();
    } catch (RuntimeException e) {
      ictx.unbind(binding);
      throw e;
    }
    iommufd = binding;
    openCount = 1;
  }

  /** {@code vfio_df_open} through a group fd: the first open does the work. */
  void openForGroup() {
    if (openCount == 0) {
      VfioGroup g = group;
      if (g.iommufd != null && mdev != null) {
        IommufdAccess a = g.iommufd.createAccess(this);
        try {
          enable();
        } catch (RuntimeException e) {
          g.iommufd.destroyAccess(a);
          throw e;
        }
        access = a;
        openCount = 1;
        try {
          Ioas compat = g.iommufd.vfioIoas();
          KernelError.check(compat != null, Errno.ENODEV);
          g.iommufd.attachAccess(a, compat.id());
        } catch (RuntimeException e) {
          close();
          throw e;
        }
        return;
      } else if (g.iommufd != null) {
        IommufdDevice binding = g.iommufd.bind(iommuGroup, this);
        try {
          enable();
        } catch (RuntimeException e) {
          g.iommufd.unbind(binding);
          throw e;
        }
        iommufd = binding;
        openCount = 1; // vfio_df_open counted this open before the compat attach
        try {
          // vfio_iommufd_compat_attach_ioas: ENODEV when the compat IOAS was cleared
          Ioas compat = g.iommufd.vfioIoas();
          KernelError.check(compat != null, Errno.ENODEV);
          g.iommufd.attach(binding, compat.id());
        } catch (RuntimeException e) {
          close(); // vfio_df_close: disable (seeing this open), then unbind
          throw e;
        }
        return;
      } else {
        g.useContainer();
        try {
          enable();
        } catch (RuntimeException e) {
          g.unuseContainer();
          throw e;
        }
      }
    }
    openCount++;
  }

  /** {@code vfio_df_close}: the last close disables the device, then drops the IOMMU side. */
  void close() {
    if (openCount == 1) {
      disable();
      if (access != null) {
        IommufdAccess a = access;
        access = null;
        a.context().destroyAccess(a);
      } else if (iommufd != null) {
        IommufdDevice binding = iommufd;
        iommufd = null;
        binding.context().unbind(binding);
      } else {
        group.unuseContainer();
      }
    }
    openCount--;
  }

  private void enable() {
    // an mdev's parent resets nothing at open; its own RESET ioctl always works
    resetWorks = mdev != null || PciTree.functionResetWorks(pci);
    if (resetWorks && mdev == null) {
      hardwareReset(resetsMigrationAtOpenAndClose());
    }
    if (migration != null) {
      migration.opened();
    }
    try {
      model.open(new DeviceContext(name(), vendor(), deviceId(), memoryLock(), dma));
    } catch (Throwable t) {
      throw failures.answer("open", t);
    }
  }

  /**
   * Host shutdown: the model frees what it holds. What it throws is recorded, so one broken model
   * cannot keep the others from being destroyed.
   */
  public void destroyModel() {
    try {
      model.destroy();
    } catch (Throwable t) {
      failures.record("destroy", t);
    }
  }

  /** Runs from a file's release, which cannot fail: what the model throws is recorded. */
  private void disable() {
    if (migration != null) {
      migration.closed();
    }
    try {
      model.close();
    } catch (Throwable t) {
      failures.record("close", t);
    }
    if (mdev != null) {
      return; // no function reset and no device set: the parent driver's close is all
    }
    needsReset = true;
    if (resetWorks) {
      long recorded = failures.count();
      try {
        hardwareReset(resetsMigrationAtOpenAndClose());
        needsReset = false;
      } catch (KernelError e) {
        // like a failed PCI reset at disable: the function stays marked as needing one
        if (failures.count() == recorded) {
          failures.record("reset at close", e);
        }
      }
    }
    devSet.tryReset();
  }

  /** VFIO_DEVICE_RESET: this function only, after waiting for its memory lock. */
  void reset() {
    KernelError.check(resetWorks, Errno.EINVAL);
    ReentrantReadWriteLock memoryLock = memoryLock();
    if (memoryLock.getReadHoldCount() > 0 || memoryLock.isWriteLockedByCurrentThread()) {
      throw new IllegalStateException(
          "VFIO_DEVICE_RESET from the thread that holds " + name() + "'s memory lock would hang");
    }
    memoryLock.writeLock().lock();
    try {
      hardwareReset();
    } finally {
      memoryLock.writeLock().unlock();
    }
  }

  @Override
  public String toString() {
    return name();
  }
}
