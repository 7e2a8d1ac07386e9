package io.jvfio.cli;

import io.jvfio.client.DeviceNode;
import io.jvfio.nativebackend.NativeSyscalls;
import io.jvfio.uapi.Syscalls;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * This machine's kernel as a {@link Backend}: the devices sysfs shows, opened through real
 * syscalls. A session cannot end a process, so it does what the kernel does at a process's exit for
 * the fds it can tell are its own: every VFIO or iommufd fd opened during the session and still
 * open is closed when it ends.
 */
record NativeBackend(NativeSyscalls sys, List<DeviceNode> devices, String describe)
    implements Backend {

  private static final Path FDS = Path.of("/proc/self/fd");

  /** This machine's kernel; the devices come from sysfs. */
  static NativeBackend open() {
    throw new UnsupportedOperationException("device discovery from sysfs is not written yet");
  }

  @Override
  public BackendKind kind() {
    return BackendKind.native_;
  }

  @Override
  public Session session(String name) {
    Set<Integer> before = vfioFds();
    return new Session() {
      @Override
      public Syscalls sys() {
        return sys;
      }

      @Override
      public void close() {
        for (int fd : vfioFds()) {
          if (!before.contains(fd)) {
            sys.close(fd);
          }
        }
      }
    };
  }

  /** The open fds of this JVM that are VFIO or iommufd files, device fds and data fds included. */
  static Set<Integer> vfioFds() {
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
      if (isVfio(target)) {
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
