package io.jvfio.host.kernel;

import io.jvfio.uapi.Errno;
import java.util.ArrayList;
import java.util.List;

/** A process's fd table: lowest free number first, at most {@link #MAX_FDS} (RLIMIT_NOFILE). */
public final class FdTable {
  public static final int MAX_FDS = 1024;

  private final List<OpenFile> slots = new ArrayList<>();
  // FD_CLOEXEC belongs to the fd, not to the open file
  private final java.util.BitSet cloexec = new java.util.BitSet();

  /** Installs a reference the caller already owns; on EMFILE the reference is dropped. */
  public int install(OpenFile file) {
    return install(file, false);
  }

  /** Installs with or without close-on-exec; on EMFILE the reference is dropped. */
  public int install(OpenFile file, boolean closeOnExec) {
    int fd = -1;
    for (int i = 0; i < slots.size(); i++) {
      if (slots.get(i) == null) {
        fd = i;
        break;
      }
    }
    if (fd < 0) {
      if (slots.size() >= MAX_FDS) {
        file.put();
        throw new KernelError(Errno.EMFILE);
      }
      slots.add(null);
      fd = slots.size() - 1;
    }
    slots.set(fd, file);
    cloexec.set(fd, closeOnExec);
    return fd;
  }

  /** Whether {@code fd} has FD_CLOEXEC. */
  public boolean closeOnExec(int fd) {
    lookup(fd);
    return cloexec.get(fd);
  }

  public void setCloseOnExec(int fd, boolean on) {
    lookup(fd);
    cloexec.set(fd, on);
  }

  /**
   * {@code get_unused_fd_flags}: {@code EMFILE} when no number is free. Syscalls are serialised, so
   * a number found free here is still free when the new file is installed.
   */
  public void reserve() {
    if (slots.size() >= MAX_FDS && !slots.contains(null)) {
      throw new KernelError(Errno.EMFILE);
    }
  }

  /** The file behind {@code fd}, or {@code EBADF}. */
  public OpenFile lookup(int fd) {
    if (fd < 0 || fd >= slots.size() || slots.get(fd) == null) {
      throw new KernelError(Errno.EBADF);
    }
    return slots.get(fd);
  }

  /** True when {@code fd} is open. */
  public boolean isOpen(int fd) {
    return fd >= 0 && fd < slots.size() && slots.get(fd) != null;
  }

  /** Removes {@code fd} and drops its reference. */
  public void close(int fd) {
    OpenFile f = lookup(fd);
    slots.set(fd, null);
    cloexec.clear(fd);
    f.put();
  }

  /** The open fd numbers, ascending. */
  public List<Integer> openFds() {
    List<Integer> fds = new ArrayList<>();
    for (int fd = 0; fd < slots.size(); fd++) {
      if (slots.get(fd) != null) {
        fds.add(fd);
      }
    }
    return fds;
  }

  /** Closes everything, highest fd first (process exit). */
  public void closeAll() {
    for (int fd = slots.size() - 1; fd >= 0; fd--) {
      if (slots.get(fd) != null) {
        close(fd);
      }
    }
  }
}
