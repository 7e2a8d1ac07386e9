package io.jvfio.nativebackend;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** pipe2(2) for tests: a file that exists on every Linux machine and is a stream, not a file. */
final class Pipes {
  private Pipes() {}

  /** The two ends of a pipe. */
  record Pipe(int readFd, int writeFd) {}

  private static final MethodHandle PIPE2 =
      Linker.nativeLinker()
          .downcallHandle(
              Linker.nativeLinker().defaultLookup().find("pipe2").orElseThrow(),
              FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));

  /** A new pipe, or an AssertionError saying pipe2 failed. */
  static Pipe open(int flags) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment fds = arena.allocate(JAVA_INT, 2);
      int r = (int) PIPE2.invokeExact(fds, flags);
      if (r != 0) {
        throw new AssertionError("pipe2 failed");
      }
      return new Pipe(fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1));
    } catch (Throwable t) {
      throw t instanceof Error e ? e : new AssertionError(t);
    }
  }
}
