package io.jvfio.nativebackend;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The C library's syscall wrappers as downcall handles, made once. Each returns the raw C result;
 * errno is captured into a per-thread segment and read with {@link #errno()} right after the call,
 * on the same thread, before anything else can overwrite it.
 *
 * <p>Only loaded once {@link Platform#requireSupported} has passed: the symbols and their
 * signatures are glibc's (and musl's) on Linux.
 */
final class Libc {
  private Libc() {}

  private static final Linker LINKER = Linker.nativeLinker();
  private static final SymbolLookup LOOKUP = LINKER.defaultLookup();
  private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
  private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO_VALUE =
      CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

  // one capture segment per thread: a downcall writes errno into it and the same thread reads it
  // back at once, so no two calls ever share one. An automatic arena frees it after the thread.
  private static final ThreadLocal<MemorySegment> CAPTURED =
      ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE));

  // variadic functions (open's mode, ioctl's and fcntl's argument) must be declared variadic: on
  // some ABIs variadic arguments travel elsewhere than fixed ones
  static final MethodHandle OPEN =
      handle("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), 2);
  static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), -1);
  static final MethodHandle DUP = handle("dup", FunctionDescriptor.of(JAVA_INT, JAVA_INT), -1);
  static final MethodHandle READ =
      handle("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), -1);
  static final MethodHandle WRITE =
      handle("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), -1);
  static final MethodHandle IOCTL_PTR =
      handle("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), 2);
  static final MethodHandle IOCTL_WORD =
      handle("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), 2);
  static final MethodHandle LSEEK =
      handle("lseek", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT), -1);
  static final MethodHandle PREAD =
      handle(
          "pread", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG), -1);
  static final MethodHandle PWRITE =
      handle(
          "pwrite", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG), -1);
  static final MethodHandle POLL =
      handle("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), -1);
  static final MethodHandle FCNTL =
      handle("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), 2);
  static final MethodHandle MMAP =
      handle(
          "mmap",
          FunctionDescriptor.of(
              ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG),
          -1);
  static final MethodHandle MUNMAP =
      handle("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG), -1);

  private static MethodHandle handle(String name, FunctionDescriptor fd, int firstVariadic) {
    MemorySegment symbol =
        LOOKUP
            .find(name)
            .orElseThrow(() ->
                new UnsupportedOperationException(
                    "the C library has no " + name + "(); the native backend needs it"));
    Linker.Option[] options =
        firstVariadic < 0
            ? new Linker.Option[] {ERRNO}
            : new Linker.Option[] {ERRNO, Linker.Option.firstVariadicArg(firstVariadic)};
    return LINKER.downcallHandle(symbol, fd, options);
  }

  /** This thread's capture segment: the first argument of every handle above. */
  static MemorySegment captured() {
    return CAPTURED.get();
  }

  /** The errno the last handle called on this thread captured. */
  static int errno() {
    return (int) ERRNO_VALUE.get(CAPTURED.get(), 0L);
  }

  /** A Throwable from invokeExact: errors and runtime exceptions pass, nothing else can occur. */
  static RuntimeException rethrow(Throwable t) {
    if (t instanceof RuntimeException r) {
      return r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return new IllegalStateException("a downcall threw a checked exception", t);
  }
}
