package io.jvfio.migration.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Passes over guest RAM, told apart by a record that starts below the end of the one before. */
class RamPassesTest {
  static final long P = GuestRam.PAGE;

  @Test
  void noRecordNoPass() {
    assertThat(new RamPasses().passes()).isZero();
  }

  @Test
  void risingRecordsAreOnePassAndAStepBackOpensTheNext() {
    RamPasses p = new RamPasses();
    // the first pass: data, a zero run right after it, data further up
    p.record(0, 3);
    p.record(3 * P, 13);
    p.record(20 * P, 1);
    assertThat(p.passes()).isEqualTo(1);
    // back below the end of the last record: the second pass
    p.record(5 * P, 1);
    p.record(9 * P, 2);
    assertThat(p.passes()).isEqualTo(2);
    // the same page again is a new pass too
    p.record(10 * P, 1);
    assertThat(p.passes()).isEqualTo(3);
  }

  @Test
  void aPassWhollyAboveThePreviousOneCountsWithIt() {
    RamPasses p = new RamPasses();
    p.record(0, 4);
    p.record(6 * P, 1); // another pass at the sender, which the stream cannot show
    assertThat(p.passes()).isEqualTo(1);
  }
}
