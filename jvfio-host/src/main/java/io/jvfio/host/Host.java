package io.jvfio.host;

import io.jvfio.host.iommu.IommuGroup;
import io.jvfio.host.iommufd.IommufdContext;
import io.jvfio.host.kernel.KernelError;
import io.jvfio.host.kernel.NullFile;
import io.jvfio.host.kernel.OpenFile;
import io.jvfio.host.pci.Driver;
import io.jvfio.host.pci.PciAddress;
import io.jvfio.host.pci.PciDev;
import io.jvfio.host.pci.PciTree;
import io.jvfio.host.pci.Topology;
import io.jvfio.host.sdk.ModelRegistry;
import io.jvfio.host.vfio.ContainerFile;
import io.jvfio.host.vfio.DeviceFile;
import io.jvfio.host.vfio.VfioDevice;
import io.jvfio.host.vfio.VfioGroup;
import io.jvfio.host.vfio.VfioHost;
import io.jvfio.uapi.Errno;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
  private final Map<Integer, IommuGroup> iommuGroups = new TreeMap<>();
  private final VfioHost vfio;
  // hashed: open() looks a path up, only deviceNodes() wants them sorted
  private final Map<String, Supplier<OpenFile>> nodes = new HashMap<>();
  private final List<HostProcess> processes = new ArrayList<>();
  final ReentrantLock lock = new ReentrantLock();
  private int nextPid = 100;

  public Host(Topology topology, ModelRegistry models) {
    this.topology = topology;
    this.tree = new PciTree(topology);
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
    this.vfio = new VfioHost(tree, iommuGroups, models);
    nodes.put("/dev/null", NullFile::new);
    nodes.put("/dev/iommu", () -> new IommufdContext("/dev/iommu"));
    nodes.put("/dev/vfio/vfio", ContainerFile::new);
    for (VfioGroup g : vfio.groups()) {
      nodes.put(g.path(), g::open);
    }
    for (VfioDevice d : vfio.devices()) {
      nodes.put(d.cdevPath(), () -> new DeviceFile(d));
    }
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

  public Map<Integer, IommuGroup> iommuGroups() {
    return java.util.Collections.unmodifiableMap(iommuGroups);
  }

  public VfioHost vfio() {
    return vfio;
  }

  /** The vfio device playing {@code bdf}. */
  public Optional<VfioDevice> device(String bdf) {
    PciAddress a = PciAddress.parse(bdf);
    return vfio.devices().stream().filter(d -> d.pci().address().equals(a)).findFirst();
  }

  /** Every device node, sorted. */
  public List<String> deviceNodes() {
    return List.copyOf(new TreeSet<>(nodes.keySet()));
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
    if (opener == null) {
      throw new KernelError(Errno.ENOENT, path);
    }
    return opener.get();
  }
}
