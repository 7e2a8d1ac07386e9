package io.jvfio.cli;

import io.jvfio.client.DeviceNode;
import io.jvfio.nativebackend.NativeSyscalls;
import io.jvfio.nativebackend.SysfsDevices;
import io.jvfio.uapi.Syscalls;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * This machine's kernel as a {@link Backend}: the devices sysfs shows, opened through real
 * syscalls. A session cannot end a process, so it does what the kernel does at a process's exit for
 * the fds it can tell are its own: every VFIO or iommufd fd opened during the session and still
 * open is closed when it ends.
 */
record NativeBackend(NativeSyscalls sys, List<DeviceNode> devices, String describe)
    implements Backend {

  private static final Path FDS = Path.of("/proc/self/fd");
  private static final System.Logger LOG = System.getLogger(NativeBackend.class.getName());

  /** Where sysfs is read ({@code /sys}); a test points it at a copy of a machine's tree. */
  static final String SYSFS_PROPERTY = "jvfio.sysfs";

  /**
   * Where {@code vfio/} is looked for ({@code /dev}); set together with {@link #SYSFS_PROPERTY}.
   */
  static final String DEVFS_PROPERTY = "jvfio.devfs";

  /**
   * This machine's kernel; the devices come from sysfs. A runtime failure with a sentence when the
   * JVM runs where the native backend cannot (another OS or architecture), or when the machine has
   * no {@code /dev/vfio} (no vfio driver loaded).
   */
  static NativeBackend open() {
    NativeSyscalls sys;
    try {
      sys = new NativeSyscalls();
    } catch (UnsupportedOperationException e) {
      throw new CommandFailure(e.getMessage(), null, e);
    }
    Path sysRoot = Path.of(System.getProperty(SYSFS_PROPERTY, "/sys"));
    Path vfioDir = Path.of(System.getProperty(DEVFS_PROPERTY, "/dev")).resolve("vfio");
    SysfsDevices.Scan scan = SysfsDevices.scanWithProblems(sysRoot);
    scan.problems()
        .forEach(p ->
            LOG.log(
                System.Logger.Level.WARNING,
                "left out a device sysfs shows but cannot describe: " + p));
    if (!Files.isDirectory(vfioDir)) {
      throw new CommandFailure(
          "this machine has no "
              + vfioDir
              + ", so the native backend has no vfio device to open: "
              + (scan.devices().isEmpty()
                  ? SysfsDevices.whyEmpty(sysRoot)
                  : "sysfs shows "
                      + Plural.of(scan.devices().size(), "vfio device")
                      + ", so is /dev a devtmpfs?"),
          "ENOENT");
    }
    String where = System.getProperty(SYSFS_PROPERTY) == null ? "" : " (sysfs at " + sysRoot + ")";
    return new NativeBackend(sys, scan.devices(), "this machine" + where);
  }

  /** The driver sysfs shows for a PCI function ("none", "absent" when there is no such). */
  static String driverOf(String bdf) {
    return SysfsDevices.pciDriver(Path.of(System.getProperty(SYSFS_PROPERTY, "/sys")), bdf);
  }

  /** Why {@link #devices()} is empty, as a sentence (sysfs is read again). */
  static String whyEmpty() {
    return SysfsDevices.whyEmpty(Path.of(System.getProperty(SYSFS_PROPERTY, "/sys")));
  }

  @Override
  public BackendKind kind() {
    return BackendKind.native_;
  }

  @Override
  public Session session(String name) {
    return session(sys, NativeBackend::isVfio);
  }

  /**
   * A session over {@code sys} whose end closes every fd opened during it that {@code ours} claims
   * by what /proc/self/fd shows for it.
   */
  static Session session(Syscalls sys, Predicate<String> ours) {
    Set<Integer> before = openFds(ours);
    return new Session() {
      @Override
      public Syscalls sys() {
        return sys;
      }

      @Override
      public void close() {
        for (int fd : openFds(ours)) {
          if (!before.contains(fd)) {
            sys.close(fd);
          }
        }
      }
    };
  }

  /** The open fds of this JVM whose /proc/self/fd entry {@code ours} claims. */
  static Set<Integer> openFds(Predicate<String> ours) {
    Set<Integer> out = new TreeSet<>();
    List<Path> entries = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(FDS)) {
      ds.forEach(entries::add);
    } catch (IOException e) {
      throw new IllegalStateException("cannot list " + FDS + ": " + e.getMessage(), e);
    }
    for (Path p : entries) {
      String target;
      try {
        target = Files.readSymbolicLink(p).toString();
      } catch (IOException e) {
        continue; // closed while we looked: not ours to close
      }
      if (ours.test(target)) {
        out.add(Integer.parseInt(p.getFileName().toString()));
      }
    }
    return out;
  }

  /**
   * What /proc/self/fd shows for the files of VFIO and iommufd: their nodes, and anonymous inodes,
   * which a driver names as it likes (mtty's data fd is {@code anon_inode:mtty_mig}), apart from
   * the kinds the JVM itself makes (epoll, eventfd, timerfd and the like).
   */
  static boolean isVfio(String target) {
    if (target.startsWith("/dev/vfio/") || target.equals("/dev/iommu")) {
      return true;
    }
    if (!target.startsWith("anon_inode:")) {
      return false;
    }
    String kind = target.substring("anon_inode:".length());
    return !JVM_ANON.contains(kind) && !kind.startsWith("bpf");
  }

  private static final Set<String> JVM_ANON =
      Set.of(
          "[eventpoll]",
          "[eventfd]",
          "[timerfd]",
          "[signalfd]",
          "[pidfd]",
          "inotify",
          "[io_uring]",
          "[userfaultfd]",
          "[perf_event]",
          "[fanotify]",
          "[memfd]");
}
