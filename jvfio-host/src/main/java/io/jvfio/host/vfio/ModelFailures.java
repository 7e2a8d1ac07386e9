package io.jvfio.host.vfio;

import io.jvfio.host.kernel.KernelError;
import io.jvfio.host.sdk.DeviceFailure;
import io.jvfio.host.sdk.MigrationException;
import io.jvfio.uapi.Errno;
import java.util.ArrayDeque;
import java.util.List;

/**
 * What the core does with whatever a device model throws, and the record of the model's bugs.
 *
 * <p>A model answers with {@link MigrationException} (its errno) or {@link DeviceFailure} (EIO), as
 * a Linux driver returns an error code. Anything else is a bug in the model: the core answers EIO,
 * as Linux does for a driver that failed in a way it has no code for, and keeps the exception here
 * and logs it, so the syscall never crashes and the author still finds the stack trace.
 *
 * <p>Which {@link Error}s count as model bugs: {@link AssertionError} and {@link
 * StackOverflowError} are confined to the call that raised them (a failed check, a runaway
 * recursion; the stack has unwound to the core), so they are answered like exceptions. Every other
 * Error (out of memory, a broken class path, an internal JVM error) says the emulator itself cannot
 * go on, and no errno would be honest: those propagate.
 */
public final class ModelFailures {
  /** One caught model bug: where the core called the model, and what it threw. */
  public record Failure(String where, Throwable error) {}

  private static final System.Logger LOG = System.getLogger("io.jvfio.host.model");
  private static final int KEPT = 32;

  private final VfioDevice device; // named in messages, by its name (made only when one is needed)
  private ArrayDeque<Failure> recent; // made on the first failure: most devices never see one
  private long count;

  ModelFailures(VfioDevice device) {
    this.device = device;
  }

  /** True for what a model throws on purpose: an errno of its own, or a declared failure. */
  static boolean deliberate(Throwable t) {
    return t instanceof MigrationException
        || t instanceof DeviceFailure
        || t instanceof KernelError;
  }

  /**
   * The errno for {@code t}, thrown by the model at {@code where}: a deliberate answer passes
   * through; a bug is recorded and becomes EIO; a fatal JVM error is rethrown.
   */
  KernelError answer(String where, Throwable t) {
    return switch (t) {
      case KernelError k -> k;
      case MigrationException m -> new KernelError(m.errno(), device + ": " + m.getMessage());
      case DeviceFailure f -> new KernelError(Errno.EIO, device + ": " + f.getMessage());
      default -> {
        record(where, t);
        yield new KernelError(Errno.EIO, device + ": model failed in " + where + ": " + t);
      }
    };
  }

  /** Records {@code t} from a call that has no errno to give (a session close, a poll). */
  void record(String where, Throwable t) {
    if (t instanceof Error e && !(e instanceof AssertionError || e instanceof StackOverflowError)) {
      throw e;
    }
    synchronized (this) {
      count++;
      if (recent == null) {
        recent = new ArrayDeque<>();
      } else if (recent.size() == KEPT) {
        recent.removeFirst();
      }
      recent.addLast(new Failure(where, t));
    }
    LOG.log(System.Logger.Level.WARNING, device + ": device model failed in " + where, t);
  }

  /** How many model bugs the core caught since the host started. */
  public synchronized long count() {
    return count;
  }

  /** The latest caught bugs, oldest first (at most 32). */
  public synchronized List<Failure> recent() {
    return recent == null ? List.of() : List.copyOf(recent);
  }

  /** The latest caught bug, or null. */
  public synchronized Failure last() {
    return recent == null ? null : recent.peekLast();
  }
}
