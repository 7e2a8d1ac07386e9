package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@link StateStream.Deadline#awaitReadable}: a data fd read is made only once poll says it will
 * not wait, and a fd that never gets ready ends in ETIMEDOUT instead of a read that blocks.
 */
class DeadlineTest {
  @Test
  void itWaitsUntilTheFdIsReadyAndAsksNoMore() {
    AtomicInteger asked = new AtomicInteger();
    StateStream.Deadline.after(600_000, "--deadline-ms 600000")
        .awaitReadable(() -> asked.incrementAndGet() == 3, "reading");
    assertThat(asked).hasValue(3);
  }

  @Test
  void aFdThatNeverGetsReadyEndsInEtimedout() {
    AtomicInteger asked = new AtomicInteger();
    // the outcome does not depend on how long the polls take: only that the deadline passes
    CommandFailure f =
        catchThrowableOfType(
            CommandFailure.class,
            () ->
                StateStream.Deadline.after(20, "--deadline-ms 20")
                    .awaitReadable(
                        () -> {
                          asked.incrementAndGet();
                          return false;
                        },
                        "reading the state of X"));
    assertThat(f.errno()).isEqualTo("ETIMEDOUT");
    assertThat(f.getMessage())
        .isEqualTo(
            "gave up reading the state of X: the time allowed (--deadline-ms 20) has passed");
    assertThat(asked.get()).isPositive();
  }
}
