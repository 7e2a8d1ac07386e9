package io.jvfio.host.vfio;

import static io.jvfio.uapi.vfio.VfioConstants.*;

import io.jvfio.host.iommufd.IommufdContext;
import io.jvfio.host.kernel.KernelError;
import io.jvfio.host.kernel.OpenFile;
import io.jvfio.host.kernel.UserArg;
import io.jvfio.host.pci.PciDev;
import io.jvfio.host.pci.PciTree;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.VfioPciDependentDevice;
import io.jvfio.uapi.vfio.VfioPciHotReset;
import io.jvfio.uapi.vfio.VfioPciHotResetInfo;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * vfio-pci's PCI hot reset: VFIO_DEVICE_GET_PCI_HOT_RESET_INFO and VFIO_DEVICE_PCI_HOT_RESET, with
 * the two ways a caller proves it owns every device the reset touches: the group fds of every
 * dev_set member (group-opened caller), or an empty array backed by the iommufd its device is bound
 * to (cdev caller).
 */
final class HotReset {
  private static final long ENTRY = VfioPciDependentDevice.SIZEOF;

  private HotReset() {}

  /** The functions a hot reset of {@code d} touches; ENODEV when no slot or bus reset works. */
  private static List<PciDev> scope(VfioDevice d) {
    return PciTree.resetScope(d.pci())
        .orElseThrow(() -> new KernelError(Errno.ENODEV, d.name() + " has no slot or bus reset"));
  }

  /** The iommufd context the caller's device is bound to (cdev callers only). */
  private static IommufdContext boundContext(VfioDevice d) {
    return d.iommufdBinding().context();
  }

  /**
   * {@code vfio_iommufd_get_dev_id}: the member's devid in {@code ictx}, OWNED when not bound but
   * its IOMMU group has a device bound to {@code ictx}, else NOT_OWNED.
   */
  static int devId(VfioDevice member, IommufdContext ictx) {
    if (member.iommufdBinding() != null && member.iommufdBinding().context() == ictx) {
      return member.iommufdBinding().id();
    }
    if (ictx.hasGroup(member.iommuGroup())) {
      return VFIO_PCI_DEVID_OWNED;
    }
    return VFIO_PCI_DEVID_NOT_OWNED;
  }

  static int info(VfioDevice d, UserArg arg) {
    MemorySegment k = arg.copyIn(VfioPciHotResetInfo.MINSZ);
    long argsz = VfioPciHotResetInfo.ARGSZ.getUnsigned(k);
    KernelError.check(argsz >= VfioPciHotResetInfo.MINSZ, Errno.EINVAL);
    List<PciDev> scope = scope(d);
    long room = (argsz - VfioPciHotResetInfo.MINSZ) / ENTRY;
    if (scope.size() > room) {
      VfioPciHotResetInfo.FLAGS.set(k, 0);
      VfioPciHotResetInfo.COUNT.set(k, scope.size());
      arg.copyOut(k, VfioPciHotResetInfo.MINSZ);
      throw new KernelError(Errno.ENOSPC, scope.size() + " devices in scope");
    }
    boolean cdev = d.cdevOpened();
    int flags = cdev ? VFIO_PCI_HOT_RESET_FLAG_DEV_ID | VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED : 0;
    IommufdContext ictx = cdev ? boundContext(d) : null;
    MemorySegment entries = MemorySegment.ofArray(new byte[(int) (scope.size() * ENTRY)]);
    for (int i = 0; i < scope.size(); i++) {
      PciDev p = scope.get(i);
      MemorySegment e = entries.asSlice(i * ENTRY, ENTRY);
      VfioPciDependentDevice.SEGMENT.set(e, p.address().domain());
      VfioPciDependentDevice.BUS.set(e, p.address().bus());
      VfioPciDependentDevice.DEVFN.set(e, p.address().devfn());
      if (!cdev) {
        if (p.spec().iommuGroup().isEmpty()) {
          throw new KernelError(Errno.EPERM, p.name() + " has no IOMMU group");
        }
        VfioPciDependentDevice.GROUP_ID.set(e, p.spec().iommuGroup().getAsInt());
        continue;
      }
      int id =
          d.devSet().find(p).map(member -> devId(member, ictx)).orElse(VFIO_PCI_DEVID_NOT_OWNED);
      if (id == VFIO_PCI_DEVID_NOT_OWNED) {
        flags &= ~VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED;
      }
      VfioPciDependentDevice.DEVID.set(e, id);
    }
    arg.copyOut(VfioPciHotResetInfo.DEVICES_OFFSET, entries, 0, entries.byteSize());
    VfioPciHotResetInfo.FLAGS.set(k, flags);
    VfioPciHotResetInfo.COUNT.set(k, scope.size());
    arg.copyOut(k, VfioPciHotResetInfo.MINSZ);
    return 0;
  }

  static int reset(VfioDevice d, UserArg arg) {
    MemorySegment k = arg.copyIn(VfioPciHotReset.MINSZ);
    KernelError.check(
        VfioPciHotReset.ARGSZ.getUnsigned(k) >= VfioPciHotReset.MINSZ
            && VfioPciHotReset.FLAGS.get(k) == 0,
        Errno.EINVAL);
    long count = VfioPciHotReset.COUNT.getUnsigned(k);
    boolean cdev = d.cdevOpened();
    // a cdev caller proves ownership with an empty array, a group caller with group fds
    KernelError.check((count != 0) != cdev, Errno.EINVAL);
    List<PciDev> scope = scope(d);
    Predicate<VfioDevice> owned;
    if (cdev) {
      IommufdContext ictx = boundContext(d);
      owned = member -> devId(member, ictx) != VFIO_PCI_DEVID_NOT_OWNED;
    } else {
      KernelError.check(count <= scope.size(), Errno.EINVAL);
      MemorySegment fds = arg.copyIn(VfioPciHotReset.GROUP_FDS_OFFSET, count * 4);
      Set<VfioGroup> groups = new java.util.HashSet<>();
      for (int i = 0; i < count; i++) {
        int fd = fds.get(io.jvfio.uapi.layout.Layouts.U32.withByteAlignment(1), i * 4L);
        OpenFile f = arg.fds().lookup(fd);
        if (!(f instanceof GroupFile g)) {
          throw new KernelError(Errno.EINVAL, "fd " + fd + " is not a VFIO group");
        }
        groups.add(g.group());
      }
      owned = member -> groups.contains(member.group());
    }
    return resetDevSet(d.devSet(), owned);
  }

  /** {@code vfio_pci_dev_set_hot_reset}: resettable check, then per member ownership and lock. */
  private static int resetDevSet(DeviceSet set, Predicate<VfioDevice> owned) {
    VfioDevice first = set.members().getFirst();
    List<PciDev> scope =
        PciTree.resetScope(first.pci()).orElseThrow(() -> new KernelError(Errno.EINVAL));
    for (PciDev p : scope) {
      if (set.find(p).isEmpty()) {
        throw new KernelError(
            Errno.EINVAL, p.name() + " is in the reset scope but not in the dev_set");
      }
    }
    List<VfioDevice> locked = new ArrayList<>();
    try {
      for (VfioDevice member : set.members()) {
        if (!owned.test(member)) {
          throw new KernelError(Errno.EINVAL, "ownership of " + member.name() + " is not proven");
        }
        // down_write_trylock: an rw-semaphore is not recursive, so the caller's own hold counts
        if (member.memoryLock().isWriteLockedByCurrentThread()
            || !member.memoryLock().writeLock().tryLock()) {
          throw new KernelError(Errno.EBUSY, member.name() + "'s memory lock is held");
        }
        locked.add(member);
      }
      for (PciDev p : scope) {
        set.find(p).orElseThrow().hardwareReset();
      }
      return 0;
    } finally {
      for (VfioDevice m : locked) {
        m.memoryLock().writeLock().unlock();
      }
    }
  }

  /** The scope of {@code d} as names, for listings. */
  static String describeScope(VfioDevice d) {
    return PciTree.resetScope(d.pci())
        .map(l -> l.stream().map(PciDev::name).collect(Collectors.joining(", ")))
        .orElse("none");
  }
}
