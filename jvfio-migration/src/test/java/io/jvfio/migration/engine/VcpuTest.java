package io.jvfio.migration.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The simulated vCPU alone: which bytes it writes, how its pacing turns time into writes (driven by
 * {@link Vcpu#step} with made-up times, never the clock), that the CPU dirty log the engine
 * harvests holds every page it changed, what a pause does, and that close stops its thread.
 */
class VcpuTest {
  static final long SEC = 1_000_000_000L;
  static final int PAGES = 64;

  private final Arena arena = Arena.ofShared();
  private final GuestRam ram = new GuestRam(PAGES * GuestRam.PAGE, b -> arena.allocate(b, 4096));

  @AfterEach
  void tearDown() {
    arena.close();
  }

  /** The pages whose content is no longer all zero (the RAM starts zeroed). */
  private TreeSet<Long> changedPages() {
    TreeSet<Long> out = new TreeSet<>();
    for (long p = 0; p < PAGES; p++) {
      if (!GuestRam.isZero(ram.memory().asSlice(p * GuestRam.PAGE, GuestRam.PAGE))) {
        out.add(p);
      }
    }
    return out;
  }

  /** The pages the engine would find in the CPU dirty log now (and clears it, as it does). */
  private TreeSet<Long> harvested() {
    long[] words = new long[(PAGES + 63) / 64];
    long n = ram.harvestCpuDirty(words);
    TreeSet<Long> out = new TreeSet<>();
    for (int w = 0; w < words.length; w++) {
      for (long b = words[w]; b != 0; b &= b - 1) {
        out.add(w * 64L + Long.numberOfTrailingZeros(b));
      }
    }
    assertThat(out).as("the count harvestCpuDirty returns").hasSize((int) n);
    return out;
  }

  /** Steps {@code v} every millisecond from 0 to {@code nanos}; returns the writes. */
  private static long runFor(Vcpu v, long start, long nanos) {
    long total = 0;
    for (long t = start + 1_000_000L; t <= start + nanos; t += 1_000_000L) {
      total += v.step(t);
    }
    return total;
  }

  @Test
  void everyPageItChangesIsInTheCpuDirtyLogAndNoOther() {
    Vcpu v = new Vcpu(ram, 2000, 7, 0);
    // few enough writes that some pages stay clean: the log must not simply hold everything
    long wrote = v.step(SEC / 100);
    assertThat(wrote).isEqualTo(20);
    assertThat(v.writes()).isEqualTo(20);
    TreeSet<Long> changed = changedPages();
    assertThat(changed).isNotEmpty().hasSizeLessThan(PAGES);
    assertThat(harvested()).isEqualTo(changed);
    // a second round: only its own pages, as the log was harvested
    byte[] before = ram.memory().toArray(ValueLayout.JAVA_BYTE);
    v.step(SEC / 100 + SEC / 200);
    TreeSet<Long> second = new TreeSet<>();
    MemorySegment old = MemorySegment.ofArray(before);
    for (long p = 0; p < PAGES; p++) {
      long at = p * GuestRam.PAGE;
      if (MemorySegment.mismatch(old, at, at + GuestRam.PAGE, ram.memory(), at, at + GuestRam.PAGE)
          != -1) {
        second.add(p);
      }
    }
    assertThat(second).isNotEmpty();
    assertThat(harvested()).containsAll(second);
  }

  /** Throttled (auto-converge), a vCPU runs only its share of the time and writes that much. */
  @Test
  void aThrottledVcpuWritesOnlyItsShare() {
    Vcpu v = new Vcpu(ram, 10_000, 5, 0);
    assertThat(runFor(v, 0, SEC / 10)).isEqualTo(1000);
    ram.throttleCpus(70);
    assertThat(runFor(v, SEC / 10, SEC / 10)).isEqualTo(300);
    ram.throttleCpus(0);
    assertThat(runFor(v, SEC / 5, SEC / 10)).isEqualTo(1000);
    assertThatThrownBy(() -> ram.throttleCpus(100)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void itWritesNonZeroAlignedWordsInsideTheRam() {
    Vcpu v = new Vcpu(ram, 10_000, 3, 0);
    assertThat(v.step(SEC / 10)).isEqualTo(1000);
    long nonZeroWords = 0;
    for (long at = 0; at < ram.bytes(); at += 8) {
      long word = ram.memory().get(ValueLayout.JAVA_LONG, at);
      if (word != 0) {
        nonZeroWords++;
        // a write is one aligned word with its lowest bit set: a misaligned one would leave
        // pieces of a value in two words, most of them even
        assertThat(word & 1).as("word at 0x%x", at).isEqualTo(1);
      }
    }
    assertThat(nonZeroWords).isBetween(1L, 1000L);
    assertThat(changedPages()).hasSize(PAGES); // 1000 uniform writes miss none of 64 pages
  }

  @Test
  void theSameSeedWritesTheSameBytes() {
    Arena other = Arena.ofConfined();
    try (other) {
      GuestRam twin = new GuestRam(ram.bytes(), b -> other.allocate(b, 4096));
      Vcpu a = new Vcpu(ram, 500, 42, 0);
      Vcpu b = new Vcpu(twin, 500, 42, 0);
      runFor(a, 0, SEC);
      runFor(b, 0, SEC);
      assertThat(twin.digest()).isEqualTo(ram.digest());
      Vcpu c = new Vcpu(twin, 500, 43, SEC);
      runFor(c, SEC, SEC);
      assertThat(twin.digest()).isNotEqualTo(ram.digest());
    }
  }

  @ParameterizedTest(name = "{0} writes a second")
  @ValueSource(doubles = {0.5, 1, 37, 1000, 250_000})
  void itWritesAtItsRate(double rate) {
    Vcpu v = new Vcpu(ram, rate, 1, 0);
    long seconds = rate < 1 ? 4 : 1;
    long wrote = runFor(v, 0, seconds * SEC);
    // whole writes only: the fraction left over waits for the next step (one may be short of the
    // exact count by the rounding of the per-step credit)
    long exact = (long) Math.floor(rate * seconds);
    assertThat(wrote).isBetween(exact - 1, exact);
    assertThat(v.writes()).isEqualTo(wrote);
  }

  @Test
  void aStallIsNotMadeUpInABurst() {
    Vcpu v = new Vcpu(ram, 1000, 1, 0);
    // ten seconds without a step: a tenth of a second's worth (plus one) at most
    assertThat(v.step(10 * SEC)).isEqualTo(101);
    assertThat(v.step(10 * SEC + SEC / 1000)).isEqualTo(1);
  }

  @Test
  void whilePausedItWritesNothingAndAResumeBringsNoBurst() {
    Vcpu v = new Vcpu(ram, 1000, 1, 0);
    ram.pauseCpus();
    assertThat(runFor(v, 0, SEC / 2)).isZero();
    assertThat(v.writes()).isZero();
    assertThat(changedPages()).isEmpty();
    assertThat(harvested()).isEmpty();
    ram.resumeCpus();
    // the half second paused was dropped, not saved: one millisecond gives one write
    assertThat(v.step(SEC / 2 + SEC / 1000)).isEqualTo(1);
    assertThat(v.writes()).isEqualTo(1);
    assertThat(harvested()).hasSize(1);
  }

  @Test
  void startedItWritesUntilClosedAndThenStops() throws InterruptedException {
    Vcpu v = Vcpu.start(ram, 100_000, 5);
    try {
      long deadline = System.nanoTime() + 10 * SEC;
      while (v.writes() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      assertThat(v.writes()).as("writes within 10 s").isPositive();
    } finally {
      v.close();
    }
    assertThat(v.running()).isFalse();
    long after = v.writes();
    TreeSet<Long> logged = harvested();
    assertThat(logged).isEqualTo(changedPages());
    // the thread is gone: nothing can write any more
    assertThat(v.writes()).isEqualTo(after);
    assertThat(harvested()).isEmpty();
    v.close(); // a second close is harmless
  }

  @ParameterizedTest(name = "rate {0}")
  @ValueSource(
      doubles = {0, -1, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0})
  void aRateThatIsNotPositiveAndFiniteIsRefused(double rate) {
    assertThatThrownBy(() -> Vcpu.start(ram, rate, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be positive");
  }

  @Test
  void noRamIsRefused() {
    assertThatThrownBy(() -> Vcpu.start(null, 1, 1))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("ram");
  }
}
