package io.jvfio.host.kernel;

import io.jvfio.uapi.Errno;
import java.util.ArrayList;
import java.util.List;

/** A process's fd table: lowest free number first, at most {@link #MAX_FDS} (RLIMIT_NOFILE). */
public final class FdTable {
  public static final int MAX_FDS = 1024;

  private final List<OpenFile> slots = new ArrayList<>();

  /** Installs a reference the caller already owns; on EMFILE the reference is dropped. */
  public int install(OpenFile file) {
    for (int fd = 0; fd < slots.size(); fd++) {
      if (slots.get(fd) == null) {
        slots.set(fd, file);
        return fd;
      }
    }
    if (slots.size() >= MAX_FDS) {
      file.put();
      throw new KernelError(Errno.EMFILE);
    }
    slots.add(file);
    return slots.size() - 1;
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
