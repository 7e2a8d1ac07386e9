package io.jvfio.cli;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A file that appears whole or not at all: the bytes go to a temporary file beside the target (same
 * directory, so same file system), which is synced and then given the target's name in one step.
 * Closed without {@link #commit}, the temporary file is deleted, so a failure half way never leaves
 * a half file under the name.
 */
final class AtomicFile implements AutoCloseable {
  private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

  private final Path target;
  private final Path temp;
  private final FileChannel channel;
  private boolean committed;

  private AtomicFile(Path target, Path temp, FileChannel channel) {
    this.target = target;
    this.temp = temp;
    this.channel = channel;
  }

  /** Starts writing what will become {@code target}. */
  static AtomicFile create(Path target) throws IOException {
    Path abs = target.toAbsolutePath();
    Path temp = null;
    for (int attempt = 0; temp == null; attempt++) {
      // a name of our own beside the target, made with the umask's permissions (as the target
      // would be), unlike createTempFile's 0600
      Path p =
          abs.resolveSibling(
              "." + abs.getFileName() + "." + Long.toHexString(RANDOM.nextLong()) + ".part");
      try {
        temp = Files.createFile(p);
      } catch (FileAlreadyExistsException e) {
        if (attempt >= 100) {
          throw e;
        }
      }
    }
    try {
      return new AtomicFile(
          abs, temp, FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.APPEND));
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
  }

  /** Appends all of {@code bytes}. */
  void write(MemorySegment bytes) throws IOException {
    ByteBuffer b = bytes.asByteBuffer();
    while (b.hasRemaining()) {
      channel.write(b);
    }
  }

  /**
   * Syncs the bytes and gives them the target's name: replacing a file there when {@code replace},
   * else failing with {@link FileAlreadyExistsException} if one appeared since the checks (a hard
   * link never replaces).
   */
  void commit(boolean replace) throws IOException {
    channel.force(true);
    channel.close();
    if (replace) {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    } else {
      try {
        Files.createLink(target, temp);
        Files.delete(temp);
      } catch (FileAlreadyExistsException e) {
        throw e;
      } catch (IOException | UnsupportedOperationException e) {
        // a file system without hard links: the check and the rename are two steps there
        if (Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          throw new FileAlreadyExistsException(target.toString());
        }
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      }
    }
    committed = true;
  }

  /** The temporary file's path while it exists (tests look for leftovers). */
  Path temp() {
    return temp;
  }

  @Override
  public void close() throws IOException {
    if (channel.isOpen()) {
      channel.close();
    }
    if (!committed) {
      Files.deleteIfExists(temp);
    }
  }
}
