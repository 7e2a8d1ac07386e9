package io.jvfio.migration.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Auto-converge's rule alone, driven with made-up times: a period is weighed only once its time
 * passed; a period counts as too dirty when the RAM dirtied in it is more than half the bytes sent
 * in it; every second such period starts the throttle at 20 % or adds 10 points, up to 99 %.
 */
class AutoConvergeTest {
  static final long MS = 1_000_000L;
  static final long PERIOD = 100 * MS;

  @Test
  void twoTooDirtyPeriodsStartTheThrottleAndEveryTwoMoreRaiseIt() {
    AutoConverge a = new AutoConverge(PERIOD, 0, 0);
    long sent = 0;
    int[] expected = {0, 20, 20, 30, 30, 40};
    for (int i = 0; i < expected.length; i++) {
      sent += 1000;
      // 600 dirty bytes against 1000 sent: more than half
      assertThat(a.afterSync((i + 1) * PERIOD, 600, sent))
          .as("period %d", i + 1)
          .isEqualTo(expected[i]);
    }
  }

  @Test
  void aPeriodIsWeighedOnlyOnceItsTimeHasPassedAndItsSyncsAddUp() {
    AutoConverge a = new AutoConverge(PERIOD, 0, 0);
    // four syncs within the first period: 4 x 200 dirty bytes against 1000 sent in it
    for (int i = 1; i <= 3; i++) {
      assertThat(a.afterSync(i * 20 * MS, 200, i * 250)).isZero();
    }
    assertThat(a.afterSync(PERIOD, 200, 1000)).isZero(); // weighed: 800 > 500, the first
    assertThat(a.afterSync(PERIOD + 50 * MS, 900, 1500)).as("too early to weigh").isZero();
    assertThat(a.afterSync(2 * PERIOD, 0, 2000))
        .as("900 dirty of 1000 sent: the second")
        .isEqualTo(20);
  }

  @Test
  void cleanPeriodsDoNotCountButDoNotForgetTheDirtyOnes() {
    AutoConverge a = new AutoConverge(PERIOD, 0, 0);
    assertThat(a.afterSync(PERIOD, 600, 1000)).isZero();
    // exactly half is not more than half
    assertThat(a.afterSync(2 * PERIOD, 500, 2000)).isZero();
    assertThat(a.afterSync(3 * PERIOD, 100, 3000)).isZero();
    assertThat(a.afterSync(4 * PERIOD, 501, 4000)).as("the second too dirty period").isEqualTo(20);
  }

  @Test
  void theThrottleStopsAtNinetyNinePercent() {
    AutoConverge a = new AutoConverge(PERIOD, 0, 0);
    int t = 0;
    for (int i = 1; i <= 40; i++) {
      t = a.afterSync(i * PERIOD, 1 << 20, i * 1000L);
    }
    assertThat(t).isEqualTo(AutoConverge.MAX).isEqualTo(a.throttle());
  }
}
