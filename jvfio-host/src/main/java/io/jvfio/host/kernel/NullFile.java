package io.jvfio.host.kernel;

import java.lang.foreign.MemorySegment;

/** {@code /dev/null}: also what an emulated process has on fds 0, 1 and 2. */
public final class NullFile extends OpenFile {
  public NullFile() {
    super(true, true);
  }

  @Override
  public String describe() {
    return "/dev/null";
  }

  @Override
  public long read(MemorySegment buf) {
    return 0;
  }

  @Override
  public long write(MemorySegment buf) {
    return buf.byteSize();
  }

  @Override
  public boolean positioned() {
    return true;
  }

  @Override
  public long lseek(long offset, int whence) {
    return 0;
  }

  @Override
  public long pread(MemorySegment buf, long offset) {
    return 0;
  }

  @Override
  public long pwrite(MemorySegment buf, long offset) {
    return buf.byteSize();
  }
}
