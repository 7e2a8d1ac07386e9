package io.jvfio.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The files of {@code jvfio state}, checked before any device is opened: a bad one is a usage error
 * naming the option and the file, so a wrong path never leaves a device stopped.
 */
final class StateFiles {
  /** Default and largest {@code --max-bytes}: 4 GiB, and 1 TiB (the largest memdev). */
  static final long MAX_BYTES_DEFAULT = 4L << 30;

  static final long MAX_BYTES_LIMIT = 1L << 40;

  private StateFiles() {}

  /** {@code --max-bytes}: 1 to {@link #MAX_BYTES_LIMIT}. */
  static long maxBytes(String option, long n) {
    if (n < 1 || n > MAX_BYTES_LIMIT) {
      throw UsageException.of(option, n, "must be 1 to " + MAX_BYTES_LIMIT + " bytes (1 TiB)");
    }
    return n;
  }

  /**
   * Where a saved state goes: a file name (not a directory) in a directory that exists and can be
   * written, with no file there already unless {@code force}.
   */
  static void output(String option, Path file, boolean force) {
    if (Files.isDirectory(file)) {
      throw UsageException.of(option, file, "is a directory; give a file name, as state.bin");
    }
    Path dir = file.toAbsolutePath().getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw UsageException.of(option, file, "no such directory " + dir);
    }
    if (Files.exists(file, LinkOption.NOFOLLOW_LINKS) && !force) {
      throw UsageException.of(
          option, file, "exists; give --force to replace it, or another file name");
    }
    if (!Files.isWritable(dir)) {
      throw UsageException.of(
          option, file, "cannot be written: the directory " + dir + " is not writable");
    }
  }

  /**
   * A saved state to load: a readable regular file of 1 to {@code maxBytes} bytes. Returns its
   * size.
   */
  static long input(String option, Path file, long maxBytes) {
    if (Files.isDirectory(file)) {
      throw UsageException.of(option, file, "is a directory, not a saved state");
    }
    long size;
    try {
      if (!Files.isRegularFile(file)) {
        if (!Files.exists(file)) {
          throw UsageException.of(option, file, "no such file");
        }
        throw UsageException.of(option, file, "is not a regular file");
      }
      size = Files.size(file);
      try (InputStream in = Files.newInputStream(file)) {
        in.readNBytes(1); // readable: checked now, not half way through a device's RESUMING
      }
    } catch (NoSuchFileException e) {
      throw UsageException.of(option, file, "no such file");
    } catch (AccessDeniedException e) {
      throw UsageException.of(option, file, "cannot be read (permission denied)");
    } catch (IOException e) {
      throw UsageException.of(option, file, "cannot be read: " + Failures.oneLine(e.getMessage()));
    }
    if (size == 0) {
      throw UsageException.of(option, file, "is empty; a saved state has at least one byte");
    }
    if (size > maxBytes) {
      throw UsageException.of(
          option,
          file,
          "is "
              + size
              + " bytes, more than --max-bytes "
              + maxBytes
              + "; a state that large needs a larger --max-bytes");
    }
    return size;
  }
}
