package io.jvfio.host.iommufd;

import static io.jvfio.uapi.iommufd.IommufdConstants.*;
import static io.jvfio.uapi.vfio.VfioConstants.*;

import io.jvfio.host.iommu.IommuGroup;
import io.jvfio.host.iommu.Iova;
import io.jvfio.host.iommu.Vtd;
import io.jvfio.host.kernel.KernelError;
import io.jvfio.host.kernel.OpenFile;
import io.jvfio.host.kernel.UserArg;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.Ioctl;
import io.jvfio.uapi.iommufd.IommuDestroy;
import io.jvfio.uapi.iommufd.IommuHwInfo;
import io.jvfio.uapi.iommufd.IommuHwInfoVtd;
import io.jvfio.uapi.iommufd.IommuHwptAlloc;
import io.jvfio.uapi.iommufd.IommuHwptGetDirtyBitmap;
import io.jvfio.uapi.iommufd.IommuHwptSetDirtyTracking;
import io.jvfio.uapi.iommufd.IommuIoasAlloc;
import io.jvfio.uapi.iommufd.IommuIoasAllowIovas;
import io.jvfio.uapi.iommufd.IommuIoasIovaRanges;
import io.jvfio.uapi.iommufd.IommuIoasMap;
import io.jvfio.uapi.iommufd.IommuIoasUnmap;
import io.jvfio.uapi.iommufd.IommuIovaRange;
import io.jvfio.uapi.iommufd.IommuOption;
import io.jvfio.uapi.iommufd.IommuVfioIoas;
import io.jvfio.uapi.iommufd.IommufdIoctls;
import io.jvfio.uapi.vfio.VfioInfoCapHeader;
import io.jvfio.uapi.vfio.VfioIoctls;
import io.jvfio.uapi.vfio.VfioIommuType1DmaMap;
import io.jvfio.uapi.vfio.VfioIommuType1DmaUnmap;
import io.jvfio.uapi.vfio.VfioIommuType1Info;
import io.jvfio.uapi.vfio.VfioIommuType1InfoCapIovaRange;
import io.jvfio.uapi.vfio.VfioIommuType1InfoDmaAvail;
import io.jvfio.uapi.vfio.VfioIovaRange;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An iommufd context: one open of {@code /dev/iommu}. Owns an id table shared by every object type
 * (ids from 1, lowest free first), IOAS and HWPT objects, bound devices, and the VFIO container
 * compatibility ioctls for the IOAS chosen by IOMMU_VFIO_IOAS or a group's SET_CONTAINER.
 */
public final class IommufdContext extends OpenFile {
  private record Op(long request, long minSize, long size) {}

  // indexed by nr - 0x80; entries past IOMMU_HWPT_GET_DIRTY_BITMAP exist in Linux but are not
  // emulated
  private static final List<Op> OPS =
      List.of(
          new Op(IommufdIoctls.IOMMU_DESTROY, 8, IommuDestroy.SIZEOF),
          new Op(IommufdIoctls.IOMMU_IOAS_ALLOC, 12, IommuIoasAlloc.SIZEOF),
          new Op(IommufdIoctls.IOMMU_IOAS_ALLOW_IOVAS, 24, IommuIoasAllowIovas.SIZEOF),
          new Op(IommufdIoctls.IOMMU_IOAS_COPY, 40, 40),
          new Op(IommufdIoctls.IOMMU_IOAS_IOVA_RANGES, 32, IommuIoasIovaRanges.SIZEOF),
          new Op(IommufdIoctls.IOMMU_IOAS_MAP, 40, IommuIoasMap.SIZEOF),
          new Op(IommufdIoctls.IOMMU_IOAS_UNMAP, 24, IommuIoasUnmap.SIZEOF),
          new Op(IommufdIoctls.IOMMU_OPTION, 24, IommuOption.SIZEOF),
          new Op(IommufdIoctls.IOMMU_VFIO_IOAS, 12, IommuVfioIoas.SIZEOF),
          new Op(IommufdIoctls.IOMMU_HWPT_ALLOC, IommuHwptAlloc.MINSZ, IommuHwptAlloc.SIZEOF),
          new Op(IommufdIoctls.IOMMU_GET_HW_INFO, IommuHwInfo.MINSZ, IommuHwInfo.SIZEOF),
          new Op(
              IommufdIoctls.IOMMU_HWPT_SET_DIRTY_TRACKING,
              IommuHwptSetDirtyTracking.MINSZ,
              IommuHwptSetDirtyTracking.SIZEOF),
          new Op(
              IommufdIoctls.IOMMU_HWPT_GET_DIRTY_BITMAP,
              IommuHwptGetDirtyBitmap.MINSZ,
              IommuHwptGetDirtyBitmap.SIZEOF));

  private final String path;
  // IOMMU_OPTION_RLIMIT_MODE: /dev/vfio/vfio opens account per process, /dev/iommu per user
  private boolean rlimitPerProcess;
  private final IdTable<IommufdObject> ids = new IdTable<>();
  // bound devices by IOMMU group: a group's devices are found without a walk of the id table
  private final Map<IommuGroup, List<IommufdDevice>> devicesByGroup = new HashMap<>();
  private Ioas vfioIoas;

  public IommufdContext(String path) {
    super(true, true);
    this.path = path;
  }

  @Override
  public String describe() {
    return path;
  }

  // ---- id table ----

  private int allocId(IommufdObject obj) {
    obj.id = ids.add(obj);
    return obj.id;
  }

  private void freeId(IommufdObject obj) {
    ids.remove(obj.id);
  }

  /** The object with {@code id}, if any. */
  public Optional<IommufdObject> object(long id) {
    return Optional.ofNullable(id <= 0 || id > Integer.MAX_VALUE ? null : ids.get((int) id));
  }

  /** Live objects in id order. */
  public List<IommufdObject> objects() {
    return ids.values();
  }

  private Ioas ioas(long id) {
    if (object(id).orElse(null) instanceof Ioas ioas) {
      return ioas;
    }
    throw new KernelError(Errno.ENOENT, "no IOAS " + id);
  }

  /** The IOAS the VFIO compatibility ioctls act on, or null. */
  public Ioas vfioIoas() {
    return vfioIoas;
  }

  // ---- ioctl dispatch ----

  @Override
  public int ioctl(long request, UserArg arg) {
    int nr = Ioctl.nr(request);
    int index = nr - IommufdIoctls.IOMMUFD_CMD_BASE;
    if (nr < IommufdIoctls.IOMMUFD_CMD_BASE || index >= OPS.size()) {
      return compatIoctl(request, arg);
    }
    long size = Integer.toUnsignedLong(arg.readU32(0));
    Op op = OPS.get(index);
    if (op.request() != request) {
      throw new KernelError(Errno.ENOTTY);
    }
    KernelError.check(size >= op.minSize(), Errno.EINVAL);
    MemorySegment k = arg.copyStructIn(op.size(), size);
    return switch (index) {
      case 0 -> destroy(k);
      case 1 -> ioasAlloc(k, arg);
      case 2 -> allowIovas(k, arg);
      case 4 -> iovaRanges(k, arg);
      case 5 -> ioasMap(k, arg);
      case 6 -> ioasUnmap(k, arg);
      case 7 -> option(k, arg);
      case 8 -> vfioIoas(k, arg);
      case 9 -> hwptAlloc(k, arg);
      case 10 -> getHwInfo(k, arg);
      case 11 -> setDirtyTracking(k);
      case 12 -> getDirtyBitmap(k, arg);
      default ->
          throw new KernelError(Errno.EOPNOTSUPP, "not emulated: " + Long.toHexString(request));
    };
  }

  /** Writes back {@code min(user size, struct size)} bytes of the kernel copy. */
  private static void respond(UserArg arg, MemorySegment k) {
    long usize = IommuDestroy.SIZE.getUnsigned(k); // every iommufd struct starts with u32 size
    arg.copyOut(k, Math.min(usize, k.byteSize()));
  }

  private int destroy(MemorySegment k) {
    long id = IommuDestroy.ID.getUnsigned(k);
    IommufdObject obj =
        object(id).orElseThrow(() -> new KernelError(Errno.ENOENT, "no object " + id));
    KernelError.check(obj.users == 0, Errno.EBUSY);
    if (obj == vfioIoas) {
      vfioIoas = null;
    }
    if (obj instanceof Hwpt h) {
      destroyHwpt(h); // an explicit HWPT nobody is attached to
      return 0;
    }
    freeId(obj);
    return 0;
  }

  private int ioasAlloc(MemorySegment k, UserArg arg) {
    KernelError.check(IommuIoasAlloc.FLAGS.get(k) == 0, Errno.EOPNOTSUPP);
    Ioas ioas = new Ioas();
    int id = allocId(ioas);
    IommuIoasAlloc.OUT_IOAS_ID.set(k, id);
    try {
      respond(arg, k);
    } catch (KernelError e) {
      freeId(ioas);
      throw e;
    }
    return 0;
  }

  private int allowIovas(MemorySegment k, UserArg arg) {
    KernelError.check(IommuIoasAllowIovas.RESERVED.get(k) == 0, Errno.EOPNOTSUPP);
    Ioas ioas = ioas(IommuIoasAllowIovas.IOAS_ID.getUnsigned(k));
    long n = IommuIoasAllowIovas.NUM_IOVAS.getUnsigned(k);
    long ptr = IommuIoasAllowIovas.ALLOWED_IOVAS.get(k);
    // one look-up for the whole array when it is mapped; else entry by entry, so that a range
    // before the first unmapped entry still gets its EINVAL first, as Linux's get_user loop does
    MemorySegment all = n == 0 ? null : arg.memory().tail(ptr);
    if (all != null && all.byteSize() < n * IommuIovaRange.SIZEOF) {
      all = null;
    }
    AllowedRanges.Builder ranges = new AllowedRanges.Builder(all == null ? 16 : (int) n);
    for (long i = 0; i < n; i++) {
      MemorySegment r =
          all != null
              ? all.asSlice(i * IommuIovaRange.SIZEOF, IommuIovaRange.SIZEOF)
              : arg.memory().resolve(ptr + i * IommuIovaRange.SIZEOF, IommuIovaRange.SIZEOF);
      long start = IommuIovaRange.START.get(r);
      long last = IommuIovaRange.LAST.get(r);
      KernelError.check(Iova.lt(start, last), Errno.EINVAL);
      KernelError.check(ranges.add(start, last), Errno.EINVAL);
    }
    ioas.table.setAllowed(ranges.build());
    return 0;
  }

  private int iovaRanges(MemorySegment k, UserArg arg) {
    KernelError.check(IommuIoasIovaRanges.RESERVED.get(k) == 0, Errno.EOPNOTSUPP);
    Ioas ioas = ioas(IommuIoasIovaRanges.IOAS_ID.getUnsigned(k));
    long max = IommuIoasIovaRanges.NUM_IOVAS.getUnsigned(k);
    long ptr = IommuIoasIovaRanges.ALLOWED_IOVAS.get(k);
    List<IovaRange> ranges = ioas.table.usableRanges();
    for (int i = 0; i < ranges.size() && i < max; i++) {
      MemorySegment r =
          arg.memory().resolveWritable(ptr + i * IommuIovaRange.SIZEOF, IommuIovaRange.SIZEOF);
      IommuIovaRange.START.set(r, ranges.get(i).start());
      IommuIovaRange.LAST.set(r, ranges.get(i).last());
    }
    IommuIoasIovaRanges.NUM_IOVAS.set(k, ranges.size());
    IommuIoasIovaRanges.OUT_IOVA_ALIGNMENT.set(k, ioas.table.iovaAlignment());
    respond(arg, k);
    KernelError.check(ranges.size() <= max, Errno.EMSGSIZE);
    return 0;
  }

  private int ioasMap(MemorySegment k, UserArg arg) {
    int flags = IommuIoasMap.FLAGS.get(k);
    int known = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE;
    KernelError.check((flags & ~known) == 0 && IommuIoasMap.RESERVED.get(k) == 0, Errno.EOPNOTSUPP);
    long iova = IommuIoasMap.IOVA.get(k);
    long length = IommuIoasMap.LENGTH.get(k);
    long userVa = IommuIoasMap.USER_VA.get(k);
    KernelError.check(iova != Iova.ULONG_MAX && length != Iova.ULONG_MAX, Errno.EOVERFLOW);
    KernelError.check(
        (flags & (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE)) != 0, Errno.EINVAL);
    Ioas ioas = ioas(IommuIoasMap.IOAS_ID.getUnsigned(k));
    KernelError.check(!Iova.addOverflows(userVa, length), Errno.EOVERFLOW);
    KernelError.check(length != 0 && Iova.lt(length, -Iova.PAGE_SIZE), Errno.EINVAL);
    Long fixed = (flags & IOMMU_IOAS_MAP_FIXED_IOVA) != 0 ? iova : null;
    long chosen = ioas.table.map(fixed, userVa, length, flags, arg.memory());
    IommuIoasMap.IOVA.set(k, chosen);
    respond(arg, k);
    return 0;
  }

  private int ioasUnmap(MemorySegment k, UserArg arg) {
    Ioas ioas = ioas(IommuIoasUnmap.IOAS_ID.getUnsigned(k));
    long iova = IommuIoasUnmap.IOVA.get(k);
    long length = IommuIoasUnmap.LENGTH.get(k);
    long unmapped;
    if (iova == 0 && length == Iova.ULONG_MAX) {
      unmapped = ioas.table.unmapAll();
    } else {
      KernelError.check(iova != Iova.ULONG_MAX && length != Iova.ULONG_MAX, Errno.EOVERFLOW);
      KernelError.check(length != 0, Errno.EINVAL);
      KernelError.check(!Iova.addOverflows(iova, length - 1), Errno.EOVERFLOW);
      IoPageTable.Unmapped r = ioas.table.unmap(iova, length);
      KernelError.check(r.error() == null && r.bytes() != 0, Errno.ENOENT);
      unmapped = r.bytes();
    }
    IommuIoasUnmap.LENGTH.set(k, unmapped);
    respond(arg, k);
    return 0;
  }

  private int option(MemorySegment k, UserArg arg) {
    KernelError.check(IommuOption.RESERVED.get(k) == 0, Errno.EOPNOTSUPP);
    int op = IommuOption.OP.get(k);
    long val = IommuOption.VAL64.get(k);
    switch (IommuOption.OPTION_ID.get(k)) {
      case IOMMU_OPTION_RLIMIT_MODE -> {
        KernelError.check(IommuOption.OBJECT_ID.get(k) == 0, Errno.EOPNOTSUPP);
        if (op == IOMMU_OPTION_OP_GET) {
          IommuOption.VAL64.set(k, rlimitPerProcess ? 1 : 0);
        } else if (op == IOMMU_OPTION_OP_SET) {
          // every emulated process has CAP_SYS_RESOURCE
          KernelError.check(ids.isEmpty(), Errno.EBUSY);
          KernelError.check(val == 0 || val == 1, Errno.EINVAL);
          rlimitPerProcess = val == 1;
        } else {
          throw new KernelError(Errno.EOPNOTSUPP);
        }
      }
      case IOMMU_OPTION_HUGE_PAGES -> {
        Ioas ioas = ioas(IommuOption.OBJECT_ID.getUnsigned(k));
        if (op == IOMMU_OPTION_OP_GET) {
          IommuOption.VAL64.set(k, ioas.table.hugePages() ? 1 : 0);
        } else if (op == IOMMU_OPTION_OP_SET) {
          KernelError.check(val == 0 || val == 1, Errno.EINVAL);
          ioas.table.setHugePages(val == 1);
        } else {
          throw new KernelError(Errno.EOPNOTSUPP);
        }
      }
      default -> throw new KernelError(Errno.EOPNOTSUPP, "unknown option");
    }
    // only val64 goes back to the caller
    arg.copyOut(IommuOption.VAL64.offset(), k, IommuOption.VAL64.offset(), 8);
    return 0;
  }

  private int vfioIoas(MemorySegment k, UserArg arg) {
    KernelError.check(IommuVfioIoas.RESERVED.get(k) == 0, Errno.EOPNOTSUPP);
    switch (IommuVfioIoas.OP.get(k)) {
      case IOMMU_VFIO_IOAS_GET -> {
        KernelError.check(vfioIoas != null, Errno.ENODEV);
        IommuVfioIoas.IOAS_ID.set(k, vfioIoas.id);
        respond(arg, k);
      }
      case IOMMU_VFIO_IOAS_SET -> vfioIoas = ioas(IommuVfioIoas.IOAS_ID.getUnsigned(k));
      case IOMMU_VFIO_IOAS_CLEAR -> vfioIoas = null;
      default -> throw new KernelError(Errno.EOPNOTSUPP);
    }
    return 0;
  }

  // ---- HW page tables and dirty tracking (hw_pagetable.c, device.c, io_pagetable.c) ----

  private IommufdDevice device(long id) {
    if (object(id).orElse(null) instanceof IommufdDevice d) {
      return d;
    }
    throw new KernelError(Errno.ENOENT, "no device " + id);
  }

  private Hwpt hwpt(long id) {
    if (object(id).orElse(null) instanceof Hwpt h) {
      return h;
    }
    throw new KernelError(Errno.ENOENT, "no HWPT " + id);
  }

  /**
   * IOMMU_HWPT_ALLOC (Linux 6.12 with intel-iommu): a paging HWPT over an IOAS, optionally with
   * dirty tracking. The emulated VT-d has no nesting, so NEST_PARENT and driver data are EOPNOTSUPP
   * and no HWPT can be a nesting parent; no fault objects exist, so FAULT_ID_VALID finds none
   * (ENOENT).
   */
  private int hwptAlloc(MemorySegment k, UserArg arg) {
    KernelError.check(IommuHwptAlloc.RESERVED.get(k) == 0, Errno.EOPNOTSUPP);
    int flags = IommuHwptAlloc.FLAGS.get(k);
    boolean dataNone = IommuHwptAlloc.DATA_TYPE.get(k) == IOMMU_HWPT_DATA_NONE;
    boolean hasData = IommuHwptAlloc.DATA_LEN.get(k) != 0;
    KernelError.check(dataNone != hasData, Errno.EINVAL);
    IommufdDevice dev = device(IommuHwptAlloc.DEV_ID.getUnsigned(k));
    long ptId = IommuHwptAlloc.PT_ID.getUnsigned(k);
    IommufdObject pt =
        object(ptId).orElseThrow(() -> new KernelError(Errno.EINVAL, "no object " + ptId));
    int valid =
        IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_ALLOC_DIRTY_TRACKING | IOMMU_HWPT_FAULT_ID_VALID;
    Hwpt h;
    if (pt instanceof Ioas ioas) {
      KernelError.check((flags & ~valid) == 0, Errno.EOPNOTSUPP);
      boolean dirty = (flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING) != 0;
      KernelError.check(!dirty || dev.group.dirtyTracking(), Errno.EOPNOTSUPP);
      // intel_iommu_domain_alloc_user: a nesting parent needs ECAP.NEST; data means a nested domain
      KernelError.check((flags & IOMMU_HWPT_ALLOC_NEST_PARENT) == 0, Errno.EOPNOTSUPP);
      KernelError.check(dataNone, Errno.EOPNOTSUPP);
      h = new Hwpt(ioas, false, dirty, false);
      allocId(h);
      ioas.users++;
      try {
        ioas.table.addDomain(h, Iova.APERTURE_LAST);
      } catch (KernelError e) {
        ioas.users--;
        freeId(h);
        throw e;
      }
      ioas.hwpts.add(h);
    } else if (pt instanceof Hwpt parent) {
      // a nested domain on a paging one: needs data, no flags, and a nesting parent
      KernelError.check((flags & ~IOMMU_HWPT_FAULT_ID_VALID) == 0 && hasData, Errno.EOPNOTSUPP);
      KernelError.check(!parent.autoDomain && parent.nestParent, Errno.EINVAL);
      throw new KernelError(Errno.EOPNOTSUPP, "no nested translation");
    } else {
      throw new KernelError(Errno.EINVAL, "object " + ptId + " is neither an IOAS nor a HWPT");
    }
    try {
      // iommufd_get_fault: there are no fault objects to find
      KernelError.check((flags & IOMMU_HWPT_FAULT_ID_VALID) == 0, Errno.ENOENT);
      IommuHwptAlloc.OUT_HWPT_ID.set(k, h.id);
      respond(arg, k);
    } catch (KernelError e) {
      destroyHwpt(h);
      throw e;
    }
    return 0;
  }

  /**
   * IOMMU_GET_HW_INFO (Linux 6.12): the VT-d registers into the caller's buffer (at most data_len
   * bytes, the rest of the buffer zeroed), data_len set to what the kernel has, and the dirty
   * tracking capability of the device's IOMMU.
   */
  private int getHwInfo(MemorySegment k, UserArg arg) {
    KernelError.check(
        IommuHwInfo.FLAGS.get(k) == 0 && IommuHwInfo.reservedClear(k), Errno.EOPNOTSUPP);
    IommufdDevice dev = device(IommuHwInfo.DEV_ID.getUnsigned(k));
    boolean dirty = dev.group.dirtyTracking();
    MemorySegment data = MemorySegment.ofArray(new byte[(int) IommuHwInfoVtd.SIZEOF]);
    // intel_iommu_hw_info sets the errata flag on every unit: user space must assume it
    IommuHwInfoVtd.FLAGS.set(data, IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17);
    IommuHwInfoVtd.CAP_REG.set(data, Vtd.capReg());
    IommuHwInfoVtd.ECAP_REG.set(data, Vtd.ecapReg(dirty));
    long userLen = IommuHwInfo.DATA_LEN.getUnsigned(k);
    long ptr = IommuHwInfo.DATA_UPTR.get(k);
    long copy = Math.min(userLen, data.byteSize());
    if (copy > 0) {
      MemorySegment.copy(data, 0, arg.memory().resolveWritable(ptr, copy), 0, copy);
    }
    if (copy < userLen) {
      arg.memory().resolveWritable(ptr + copy, userLen - copy).fill((byte) 0);
    }
    IommuHwInfo.OUT_DATA_TYPE.set(k, IOMMU_HW_INFO_TYPE_INTEL_VTD);
    IommuHwInfo.DATA_LEN.set(k, (int) data.byteSize());
    IommuHwInfo.OUT_CAPABILITIES.set(k, dirty ? IOMMU_HW_CAP_DIRTY_TRACKING : 0);
    // written whatever the caller put there: the emulated functions have no PASID capability
    IommuHwInfo.OUT_MAX_PASID_LOG2.set(k, 0);
    respond(arg, k);
    return 0;
  }

  /**
   * IOMMU_HWPT_SET_DIRTY_TRACKING: turning it on first clears every dirty bit so the caller starts
   * from a clean snapshot; turning it off keeps the bits (GET_DIRTY_BITMAP reports nothing while it
   * is off). Setting the current state again is a no-op. {@code __reserved} is not checked, as in
   * Linux.
   */
  private int setDirtyTracking(MemorySegment k) {
    int flags = IommuHwptSetDirtyTracking.FLAGS.get(k);
    KernelError.check((flags & ~IOMMU_HWPT_DIRTY_TRACKING_ENABLE) == 0, Errno.EOPNOTSUPP);
    Hwpt h = hwpt(IommuHwptSetDirtyTracking.HWPT_ID.getUnsigned(k));
    KernelError.check(h.dirtyCapable, Errno.EOPNOTSUPP);
    boolean enable = (flags & IOMMU_HWPT_DIRTY_TRACKING_ENABLE) != 0;
    if (enable) {
      h.dirty.clearAll();
    }
    h.tracking = enable;
    return 0;
  }

  /**
   * IOMMU_HWPT_GET_DIRTY_BITMAP: the flag and id checks, the range rules of io_pagetable.c
   * iommufd_check_iova_range, the HWPT's dirty ops, then the walk ({@link DirtyBitmapWalk}).
   */
  private int getDirtyBitmap(MemorySegment k, UserArg arg) {
    int flags = IommuHwptGetDirtyBitmap.FLAGS.get(k);
    KernelError.check(
        (flags & ~IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR) == 0
            && IommuHwptGetDirtyBitmap.RESERVED.get(k) == 0,
        Errno.EOPNOTSUPP);
    Hwpt h = hwpt(IommuHwptGetDirtyBitmap.HWPT_ID.getUnsigned(k));
    long iova = IommuHwptGetDirtyBitmap.IOVA.get(k);
    long length = IommuHwptGetDirtyBitmap.LENGTH.get(k);
    long pageSize = IommuHwptGetDirtyBitmap.PAGE_SIZE.get(k);
    long data = IommuHwptGetDirtyBitmap.DATA.get(k);
    // 6.12.117 refuses a zero length first (before that, length - 1 made 0 at iova 0 the whole
    // 2^64 space)
    KernelError.check(length != 0, Errno.EINVAL);
    KernelError.check(!Iova.addOverflows(iova, length - 1), Errno.EOVERFLOW);
    long last = iova + length - 1;
    long align = h.ioas.table.iovaAlignment();
    KernelError.check(((iova | (last + 1)) & (align - 1)) == 0, Errno.EINVAL);
    KernelError.check(pageSize != 0, Errno.EINVAL);
    KernelError.check(((iova | (last + 1)) & (pageSize - 1)) == 0, Errno.EINVAL);
    KernelError.check(h.dirtyCapable, Errno.EOPNOTSUPP);
    boolean keep = (flags & IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR) != 0;
    DirtyBitmapWalk.run(h, iova, length, pageSize, data, keep, arg.memory());
    return 0;
  }

  // ---- VFIO container compatibility (vfio_compat.c) ----

  private int compatIoctl(long request, UserArg arg) {
    if (request == VfioIoctls.VFIO_GET_API_VERSION) {
      return VFIO_API_VERSION;
    }
    if (request == VfioIoctls.VFIO_CHECK_EXTENSION) {
      long ext = arg.word(); // an unsigned long: high bits are part of the number
      return switch (ext == (int) ext ? (int) ext : -1) {
        case VFIO_TYPE1_IOMMU, VFIO_TYPE1v2_IOMMU, VFIO_UNMAP_ALL -> 1;
        case VFIO_DMA_CC_IOMMU -> {
          KernelError.check(vfioIoas != null, Errno.ENODEV);
          yield 1;
        }
        default -> 0;
      };
    }
    if (request == VfioIoctls.VFIO_SET_IOMMU) {
      long type = arg.word();
      KernelError.check(type == VFIO_TYPE1_IOMMU || type == VFIO_TYPE1v2_IOMMU, Errno.EINVAL);
      KernelError.check(vfioIoas != null, Errno.ENODEV);
      if (type == VFIO_TYPE1_IOMMU) {
        // type1 v1 could unmap part of a huge mapping; iommufd keeps that possible this way
        vfioIoas.table.setHugePages(false);
      }
      return 0;
    }
    if (request == VfioIoctls.VFIO_IOMMU_GET_INFO) {
      return compatGetInfo(arg);
    }
    if (request == VfioIoctls.VFIO_IOMMU_MAP_DMA) {
      return compatMap(arg);
    }
    if (request == VfioIoctls.VFIO_IOMMU_UNMAP_DMA) {
      return compatUnmap(arg);
    }
    throw new KernelError(Errno.ENOTTY);
  }

  private Ioas compatIoas() {
    KernelError.check(vfioIoas != null, Errno.ENODEV);
    return vfioIoas;
  }

  /**
   * VFIO_IOMMU_GET_INFO on the compat IOAS: page sizes, then a DMA-available cap and an IOVA-range
   * cap (the holes of the reserved ranges). Unlike type1, caps that fit are written even when not
   * all do, and argsz always comes back as the size of everything.
   */
  private int compatGetInfo(UserArg arg) {
    long minsz = VfioIommuType1Info.MINSZ;
    MemorySegment k = MemorySegment.ofArray(new byte[(int) VfioIommuType1Info.SIZEOF]);
    MemorySegment.copy(arg.copyIn(minsz), 0, k, 0, minsz);
    long argsz = VfioIommuType1Info.ARGSZ.getUnsigned(k);
    KernelError.check(argsz >= minsz, Errno.EINVAL);
    Ioas ioas = compatIoas();
    long pgsizes = ioas.table.domainCount() > 0 ? Iova.PGSIZE_BITMAP : -Iova.PAGE_SIZE;
    long alignment = ioas.table.iovaAlignment();
    VfioIommuType1Info.IOVA_PGSIZES.set(k, Iova.lt(pgsizes, alignment) ? alignment : pgsizes);

    long total = VfioIommuType1Info.SIZEOF;
    // dma_avail: iommufd's limit is memory, so it answers U32_MAX
    long availSize = VfioIommuType1InfoDmaAvail.SIZEOF;
    if (argsz > total && argsz - total >= availSize) {
      MemorySegment cap = MemorySegment.ofArray(new byte[(int) availSize]);
      VfioInfoCapHeader.ID.set(cap, VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL);
      VfioInfoCapHeader.VERSION.set(cap, 1);
      VfioIommuType1InfoDmaAvail.AVAIL.set(cap, -1);
      arg.copyOut(total, cap, 0, availSize);
    }
    long lastCap = total;
    total += align8(availSize);

    List<IovaRange> ranges = ioas.table.usableRanges();
    long head = VfioIommuType1InfoCapIovaRange.SIZEOF;
    long entry = VfioIovaRange.SIZEOF;
    long avail = argsz > total ? argsz - total : 0;
    for (int i = 0; i < ranges.size(); i++) {
      if (avail >= head + (i + 1) * entry) {
        MemorySegment e = MemorySegment.ofArray(new byte[(int) entry]);
        VfioIovaRange.START.set(e, ranges.get(i).start());
        VfioIovaRange.END.set(e, ranges.get(i).last());
        arg.copyOut(total + head + i * entry, e, 0, entry);
      }
    }
    if (avail >= head + ranges.size() * entry) {
      MemorySegment cap = MemorySegment.ofArray(new byte[(int) head]);
      VfioInfoCapHeader.ID.set(cap, VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
      VfioInfoCapHeader.VERSION.set(cap, 1);
      VfioIommuType1InfoCapIovaRange.NR_IOVAS.set(cap, ranges.size());
      arg.copyOut(total, cap, 0, head);
    }
    if (argsz >= total) {
      arg.writeU32(lastCap + VfioInfoCapHeader.NEXT.offset(), (int) total);
    }
    total += align8(head + ranges.size() * entry);

    VfioIommuType1Info.FLAGS.set(k, VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS);
    if (argsz >= total) {
      VfioIommuType1Info.CAP_OFFSET.set(k, (int) VfioIommuType1Info.SIZEOF);
    }
    VfioIommuType1Info.ARGSZ.set(k, total);
    arg.copyOut(k, Math.min(argsz, VfioIommuType1Info.SIZEOF));
    return 0;
  }

  private static long align8(long v) {
    return (v + 7) & ~7L;
  }

  private int compatMap(UserArg arg) {
    long minsz = VfioIommuType1DmaMap.MINSZ;
    MemorySegment k = arg.copyIn(minsz);
    int flags = VfioIommuType1DmaMap.FLAGS.get(k);
    KernelError.check(
        VfioIommuType1DmaMap.ARGSZ.getUnsigned(k) >= minsz
            && (flags & ~(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)) == 0,
        Errno.EINVAL);
    Ioas ioas = compatIoas();
    int prot = 0;
    if ((flags & VFIO_DMA_MAP_FLAG_READ) != 0) {
      prot |= IOMMU_IOAS_MAP_READABLE;
    }
    if ((flags & VFIO_DMA_MAP_FLAG_WRITE) != 0) {
      prot |= IOMMU_IOAS_MAP_WRITEABLE;
    }
    long size = VfioIommuType1DmaMap.SIZE.get(k);
    long vaddr = VfioIommuType1DmaMap.VADDR.get(k);
    KernelError.check(!Iova.addOverflows(vaddr, size), Errno.EOVERFLOW);
    KernelError.check(size != 0, Errno.EINVAL);
    ioas.table.map(VfioIommuType1DmaMap.IOVA.get(k), vaddr, size, prot, arg.memory());
    return 0;
  }

  private int compatUnmap(UserArg arg) {
    long minsz = VfioIommuType1DmaUnmap.MINSZ;
    MemorySegment k = arg.copyIn(minsz);
    int flags = VfioIommuType1DmaUnmap.FLAGS.get(k);
    KernelError.check(
        VfioIommuType1DmaUnmap.ARGSZ.getUnsigned(k) >= minsz
            && (flags & ~VFIO_DMA_UNMAP_FLAG_ALL) == 0,
        Errno.EINVAL);
    Ioas ioas = compatIoas();
    long iova = VfioIommuType1DmaUnmap.IOVA.get(k);
    long size = VfioIommuType1DmaUnmap.SIZE.get(k);
    long unmapped;
    if ((flags & VFIO_DMA_UNMAP_FLAG_ALL) != 0) {
      KernelError.check(iova == 0 && size == 0, Errno.EINVAL);
      unmapped = ioas.table.unmapAll();
    } else {
      KernelError.check(size != 0, Errno.EINVAL);
      KernelError.check(!Iova.addOverflows(iova, size - 1), Errno.EOVERFLOW);
      if (!ioas.table.hugePages()) {
        // type1 v1 semantics: cut the mappings at both ends so part of one can go
        ioas.table.cut(iova + size - 1);
        if (iova != 0) {
          ioas.table.cut(iova - 1);
        }
      }
      // an empty range is success here, as type1 answers; the size goes back even on failure
      IoPageTable.Unmapped r = ioas.table.unmap(iova, size);
      VfioIommuType1DmaUnmap.SIZE.set(k, r.bytes());
      arg.copyOut(k, minsz);
      if (r.error() != null) {
        throw new KernelError(r.error(), "range would split a mapping");
      }
      return 0;
    }
    VfioIommuType1DmaUnmap.SIZE.set(k, unmapped);
    arg.copyOut(k, minsz);
    return 0;
  }

  /**
   * A group's VFIO_GROUP_SET_CONTAINER with this context: creates the compatibility IOAS when there
   * is none.
   */
  public Ioas compatIoasForGroup() {
    if (vfioIoas == null) {
      Ioas ioas = new Ioas();
      allocId(ioas);
      vfioIoas = ioas;
    }
    return vfioIoas;
  }

  // ---- device binding (iommufd_device_bind / attach / detach / unbind) ----

  /** Binds a device of {@code group}: claims DMA ownership and allocates the devid. */
  public IommufdDevice bind(IommuGroup group, Object owner) {
    if (group == null) {
      throw new KernelError(Errno.ENODEV, "device has no IOMMU group");
    }
    group.claimDevice(this);
    IommufdDevice dev = new IommufdDevice(this, group, owner);
    dev.users = 1;
    allocId(dev);
    devicesByGroup.computeIfAbsent(group, g -> new ArrayList<>()).add(dev);
    get();
    return dev;
  }

  /** True when some device object of this context belongs to {@code group}. */
  public boolean hasGroup(IommuGroup group) {
    return devicesByGroup.containsKey(group);
  }

  /** Attaches or replaces; returns the HWPT id to write back as pt_id. */
  public int attach(IommufdDevice dev, long ptId) {
    IommufdObject pt =
        object(ptId).orElseThrow(() -> new KernelError(Errno.ENOENT, "no object " + ptId));
    Hwpt target;
    if (pt instanceof Hwpt h) {
      target = h;
      attachTo(dev, h);
    } else if (pt instanceof Ioas ioas) {
      target = null;
      for (Hwpt h : List.copyOf(ioas.hwpts)) {
        if (!h.autoDomain) {
          continue;
        }
        try {
          attachTo(dev, h);
          target = h;
          break;
        } catch (KernelError e) {
          if (e.errno() != Errno.EINVAL) {
            throw e;
          }
        }
      }
      if (target == null) {
        target = newAutoHwpt(dev, ioas);
      }
    } else {
      throw new KernelError(Errno.EINVAL, "object " + ptId + " is neither an IOAS nor a HWPT");
    }
    return target.id;
  }

  private Hwpt newAutoHwpt(IommufdDevice dev, Ioas ioas) {
    Hwpt h = new Hwpt(ioas, true);
    allocId(h);
    ioas.users++;
    ioas.hwpts.add(h);
    try {
      ioas.table.addDomain(h, Iova.APERTURE_LAST);
    } catch (KernelError e) {
      ioas.hwpts.remove(h);
      ioas.users--;
      freeId(h);
      throw e;
    }
    try {
      attachTo(dev, h);
    } catch (KernelError e) {
      destroyHwpt(h);
      throw e;
    }
    return h;
  }

  private void attachTo(IommufdDevice dev, Hwpt h) {
    if (dev.hwpt == h) {
      return;
    }
    // intel-iommu refuses a domain with dirty tracking on a unit without SSADS
    if (h.dirtyCapable && !dev.group.dirtyTracking()) {
      throw new KernelError(Errno.EINVAL, "the device's IOMMU cannot track dirty pages");
    }
    Hwpt old = dev.hwpt;
    // the IOMMU group has one domain: a plain attach must join the group's HWPT, and a replace
    // moves every attached member of the group (iommufd_device_do_replace)
    List<IommufdDevice> moving = new ArrayList<>();
    moving.add(dev);
    List<IommufdDevice> sameGroup = new ArrayList<>(devicesByGroup.get(dev.group));
    sameGroup.sort(Comparator.comparingInt(IommufdObject::id)); // the order of an id table walk
    for (IommufdDevice other : sameGroup) {
      if (other != dev && other.hwpt != null) {
        if (old == null && other.hwpt != h) {
          throw new KernelError(Errno.EINVAL, "IOMMU group attached to another HWPT");
        }
        if (old != null && other.hwpt == old) {
          moving.add(other);
        }
      }
    }
    Ioas target = h.ioas;
    if (old == null || old.ioas != target) {
      List<IommufdDevice> done = new ArrayList<>();
      try {
        for (IommufdDevice m : moving) {
          target.table.reserve(Iova.MSI_START, Iova.MSI_LAST, m);
          done.add(m);
        }
      } catch (KernelError e) {
        done.forEach(target.table::unreserve);
        throw e;
      }
    }
    for (IommufdDevice m : moving) {
      if (old != null) {
        detach(m, old.ioas != target);
      }
      m.hwpt = h;
      h.devices.add(m);
      h.users++;
    }
  }

  /** Detaches; a no-op when not attached. An auto HWPT goes with its last device. */
  public void detach(IommufdDevice dev) {
    if (dev.hwpt != null) {
      detach(dev, true);
    }
  }

  private void detach(IommufdDevice dev, boolean unreserve) {
    Hwpt h = dev.hwpt;
    dev.hwpt = null;
    h.devices.remove(dev);
    h.users--;
    if (unreserve) {
      h.ioas.table.unreserve(dev);
    }
    if (h.autoDomain && h.users == 0) {
      destroyHwpt(h);
    }
  }

  private void destroyHwpt(Hwpt h) {
    h.ioas.table.removeDomain(h);
    h.ioas.hwpts.remove(h);
    h.ioas.users--;
    freeId(h);
  }

  /** Unbind: detach, free the devid, release DMA ownership and the file reference. */
  public void unbind(IommufdDevice dev) {
    detach(dev);
    freeId(dev);
    List<IommufdDevice> sameGroup = devicesByGroup.get(dev.group);
    sameGroup.remove(dev);
    if (sameGroup.isEmpty()) {
      devicesByGroup.remove(dev.group);
    }
    dev.group.releaseDevice(this);
    put();
  }

  // ---- accesses of emulated-IOMMU devices (iommufd_access_create / attach / destroy) ----

  /**
   * An access for a device without an IOMMU of its own: an id, and a file reference, but no DMA
   * ownership claimed.
   */
  public IommufdAccess createAccess(Object owner) {
    IommufdAccess a = new IommufdAccess(this, owner);
    a.users = 1;
    allocId(a);
    get();
    return a;
  }

  /**
   * Points the access at IOAS {@code ioasId} (attach, or replace when already attached). Only an
   * IOAS will do: an access has no HWPT to attach to, and any other id finds no IOAS (ENOENT).
   */
  public void attachAccess(IommufdAccess a, long ioasId) {
    Ioas target =
        object(ioasId)
            .filter(Ioas.class::isInstance)
            .map(Ioas.class::cast)
            .orElseThrow(() -> new KernelError(Errno.ENOENT, "no IOAS " + ioasId));
    if (a.ioas == target) {
      return;
    }
    detachAccess(a);
    target.users++;
    a.ioas = target;
  }

  /** Detaches; a no-op when not attached. */
  public void detachAccess(IommufdAccess a) {
    if (a.ioas != null) {
      a.ioas.users--;
      a.ioas = null;
    }
  }

  /** The driver's unbind: detach, free the id and drop the file reference. */
  public void destroyAccess(IommufdAccess a) {
    detachAccess(a);
    freeId(a);
    put();
  }

  @Override
  protected void release() {
    // bound devices hold a file reference, so only unreferenced objects remain: drop them all
    ids.clear();
    devicesByGroup.clear();
    vfioIoas = null;
  }
}
