package io.jvfio.host;

import io.jvfio.host.iommu.IommuGroup;
import io.jvfio.host.iommufd.IommufdContext;
import io.jvfio.host.kernel.KernelError;
import io.jvfio.host.kernel.NullFile;
import io.jvfio.host.kernel.OpenFile;
import io.jvfio.host.pci.Driver;
import io.jvfio.host.pci.MdevSpec;
import io.jvfio.host.pci.PciAddress;
import io.jvfio.host.pci.PciDev;
import io.jvfio.host.pci.PciTree;
import io.jvfio.host.pci.Topology;
import io.jvfio.host.sdk.ModelRegistry;
import io.jvfio.host.vfio.ContainerFile;
import io.jvfio.host.vfio.DeviceFile;
import io.jvfio.host.vfio.VfioDevice;
import io.jvfio.host.vfio.VfioHost;
import io.jvfio.uapi.Errno;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * An emulated Linux host with VFIO: PCI hardware from a {@link Topology}, IOMMU groups, vfio-pci,
 * iommufd, the legacy group and container interface, and processes that use them through {@link
 * io.jvfio.uapi.Syscalls}. One lock serialises every syscall, like a big kernel lock; the order of
 * checks inside a call is Linux's.
 */
public final class Host implements AutoCloseable {
  private final Topology topology;
  private final PciTree tree;
  // hashed while building (a tree map's walks cost more than the rest at thousands of groups)
  private final Map<Integer, IommuGroup> iommuGroups;
  private final VfioHost vfio;
  // the fixed nodes; group and cdev nodes are found from their numbers in the path, so a host of
  // thousands of functions builds no table of them
  private final Map<String, Supplier<OpenFile>> nodes = new HashMap<>();
  private final List<HostProcess> processes = new ArrayList<>();
  final ReentrantLock lock = new ReentrantLock();
  private int nextPid = 100;

  public Host(Topology topology, ModelRegistry models) {
    this.topology = topology;
    this.tree = new PciTree(topology);
    this.iommuGroups = HashMap.newHashMap(topology.functions().size());
    for (PciDev d : tree.devices()) {
      d.spec()
          .iommuGroup()
          .ifPresent(g -> iommuGroups.computeIfAbsent(g, IommuGroup::new).addMember(d));
    }
    for (PciDev d : tree.devices()) {
      if (d.driver() instanceof Driver.Host h && d.spec().iommuGroup().isPresent()) {
        iommuGroups.get(d.spec().iommuGroup().getAsInt()).hostDriverBound(h);
      }
    }
    // vfio_register_emulated_iommu_dev: each mdev gets a group of its own, with no PCI member
    for (MdevSpec m : topology.mdevs()) {
      iommuGroups.put(m.iommuGroup(), new IommuGroup(m.iommuGroup()));
    }
    this.vfio = new VfioHost(tree, topology.mdevs(), iommuGroups, models);
    nodes.put("/dev/null", NullFile::new);
    nodes.put("/dev/iommu", () -> new IommufdContext("/dev/iommu"));
    nodes.put("/dev/vfio/vfio", ContainerFile::new);
  }

  /** A host built from a topology with the core's built-in models only. */
  public Host(Topology topology) {
    this(topology, ModelRegistry.builtin());
  }

  public Topology topology() {
    return topology;
  }

  public PciTree pci() {
    return tree;
  }

  /** The IOMMU groups by number, in number order. */
  public SortedMap<Integer, IommuGroup> iommuGroups() {
    return Collections.unmodifiableSortedMap(new TreeMap<>(iommuGroups));
  }

  public VfioHost vfio() {
    return vfio;
  }

  /** The vfio device playing {@code bdf}. */
  public Optional<VfioDevice> device(String bdf) {
    return tree.find(PciAddress.parse(bdf))
        .map(PciDev::driverData)
        .filter(VfioDevice.class::isInstance)
        .map(VfioDevice.class::cast);
  }

  /** The vfio device of the mdev named {@code uuid}. */
  public Optional<VfioDevice> mdev(String uuid) {
    return vfio.devices().stream().filter(d -> d.isMdev() && d.name().equals(uuid)).findFirst();
  }

  /** Every device node, sorted. */
  public List<String> deviceNodes() {
    TreeSet<String> all = new TreeSet<>(nodes.keySet());
    vfio.groups().forEach(g -> all.add(g.path()));
    vfio.devices().forEach(d -> all.add(d.cdevPath()));
    return List.copyOf(all);
  }

  /** Starts a process with an empty address space and fds 0 to 2 on /dev/null. */
  public HostProcess process(String name) {
    lock.lock();
    try {
      HostProcess p = new HostProcess(this, name, nextPid++);
      processes.add(p);
      return p;
    } finally {
      lock.unlock();
    }
  }

  /** The live processes; taken under the lock, as processes exit on other threads. */
  public List<HostProcess> processes() {
    lock.lock();
    try {
      return List.copyOf(processes);
    } finally {
      lock.unlock();
    }
  }

  void exited(HostProcess p) {
    processes.remove(p);
  }

  /**
   * Shuts the host down: every process exits (closing its fds, so devices close), then every device
   * model is destroyed (native memory freed, threads stopped).
   */
  @Override
  public void close() {
    lock.lock();
    try {
      for (HostProcess p : List.copyOf(processes)) {
        p.close();
      }
      for (VfioDevice d : vfio.devices()) {
        d.destroyModel();
      }
    } finally {
      lock.unlock();
    }
  }

  /** open(2) of a device node. */
  OpenFile openNode(String path) {
    Supplier<OpenFile> opener = nodes.get(path);
    if (opener != null) {
      return opener.get();
    }
    int cdev = nodeNumber(path, CDEV_PREFIX);
    if (cdev >= 0 && cdev < vfio.deviceCount()) {
      return new DeviceFile(vfio.device(cdev));
    }
    int group = nodeNumber(path, GROUP_PREFIX);
    if (group >= 0 && vfio.group(group) != null) {
      return vfio.group(group).open();
    }
    throw new KernelError(Errno.ENOENT, path);
  }

  private static final String CDEV_PREFIX = "/dev/vfio/devices/vfio";
  private static final String GROUP_PREFIX = "/dev/vfio/";

  /**
   * The number ending {@code path} after {@code prefix}, written as the kernel names its nodes
   * (decimal, no sign, no leading zero), or -1.
   */
  static int nodeNumber(String path, String prefix) {
    if (!path.startsWith(prefix)) {
      return -1;
    }
    String digits = path.substring(prefix.length());
    if (digits.isEmpty()
        || digits.length() > 9
        || (digits.length() > 1 && digits.charAt(0) == '0')
        || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return -1;
    }
    return Integer.parseInt(digits);
  }
}
