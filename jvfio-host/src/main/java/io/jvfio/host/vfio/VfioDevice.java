package io.jvfio.host.vfio;

import io.jvfio.host.iommu.IommuGroup;
import io.jvfio.host.iommufd.Ioas;
import io.jvfio.host.iommufd.IommufdContext;
import io.jvfio.host.iommufd.IommufdDevice;
import io.jvfio.host.kernel.KernelError;
import io.jvfio.host.pci.PciDev;
import io.jvfio.host.pci.PciTree;
import io.jvfio.host.sdk.DeviceContext;
import io.jvfio.host.sdk.DeviceModel;
import io.jvfio.uapi.Errno;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A function bound to vfio-pci: the vfio core's device (open count, cdev state, iommufd binding)
 * and vfio-pci's own state (reset_works, needs_reset). The model behind it sees only open, close
 * and reset.
 */
public final class VfioDevice {
  private final PciDev pci;
  private final DeviceModel model;
  private final int index;
  private final IommuGroup iommuGroup;
  VfioGroup group;
  DeviceSet devSet;
  private int openCount;
  boolean cdevOpened;
  IommufdDevice iommufd;
  private boolean resetWorks;
  boolean needsReset;
  private int resets;
  private final ModelFailures failures;
  private final DeviceMigration migration;
  // made on first use: of thousands of functions on a host few are ever opened
  private volatile ReentrantReadWriteLock memoryLock;

  VfioDevice(PciDev pci, DeviceModel model, int index, IommuGroup iommuGroup) {
    this.pci = pci;
    this.model = model;
    this.index = index;
    this.iommuGroup = iommuGroup;
    this.failures = new ModelFailures(pci);
    this.migration =
        model.migration() == null ? null : new DeviceMigration(this, model.migration());
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

  public PciDev pci() {
    return pci;
  }

  public DeviceModel model() {
    return model;
  }

  public String name() {
    return pci.name();
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
      if (g.iommufd != null) {
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
      if (iommufd != null) {
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
    resetWorks = PciTree.functionResetWorks(pci);
    if (resetWorks) {
      hardwareReset(resetsMigrationAtOpenAndClose());
    }
    if (migration != null) {
      migration.opened();
    }
    try {
      model.open(new DeviceContext(name(), pci.spec().vendor(), pci.spec().device(), memoryLock()));
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
