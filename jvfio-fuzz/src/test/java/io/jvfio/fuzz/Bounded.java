package io.jvfio.fuzz;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one fuzz input on a worker thread with a time limit, so that a hang (a deadlock, a loop that
 * never ends) fails the input with the worker's stack instead of stalling the fuzzer. A failure
 * inside is rethrown as it is, so Jazzer sees the real exception and stack.
 */
final class Bounded {
  /** Far above any input's real cost (milliseconds), far below the JUnit timeout. */
  static final Duration LIMIT = Duration.ofSeconds(20);

  /**
   * The first input of a JVM loads and instruments every class it reaches (seconds each under
   * Jazzer's full instrumentation on a busy machine): not a hang.
   */
  static final Duration FIRST_LIMIT = Duration.ofMinutes(10);

  private static boolean warm;

  private static volatile Thread workerThread;
  private static ExecutorService worker = newWorker();

  private Bounded() {}

  static synchronized void run(Runnable body) {
    Future<?> f = worker.submit(body);
    Duration limit = warm ? LIMIT : FIRST_LIMIT;
    warm = true;
    try {
      f.get(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new AssertionError(cause);
    } catch (TimeoutException e) {
      AssertionError hang = new AssertionError("the input did not finish within " + limit);
      hang.setStackTrace(workerThread.getStackTrace()); // where it is stuck
      f.cancel(true);
      worker.shutdownNow();
      worker = newWorker(); // the stuck thread is abandoned
      throw hang;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static ExecutorService newWorker() {
    return Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "fuzz-input");
      t.setDaemon(true);
      workerThread = t;
      return t;
    });
  }
}
