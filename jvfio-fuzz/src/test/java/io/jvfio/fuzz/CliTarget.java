package io.jvfio.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import java.nio.charset.StandardCharsets;

/**
 * The entry point of Jazzer's command-line driver ({@code scripts/fuzz.sh}), which runs for as long
 * as asked, unlike a {@code @FuzzTest}'s fixed {@code maxDuration}: the same target bodies, picked
 * by {@code -Djvfio.fuzz.target=NAME} (syscalls, topology, forwardStream, backChannel, resume).
 */
public final class CliTarget {
  private static final String TARGET = System.getProperty("jvfio.fuzz.target", "");
  private static final Avoid AVOID = Avoid.fromSystemProperty();

  private CliTarget() {}

  public static void fuzzerTestOneInput(FuzzedDataProvider data) {
    byte[] input = data.consumeRemainingAsBytes();
    switch (TARGET) {
      case "syscalls" -> Bounded.run(() -> SyscallFuzzTest.run(input, AVOID));
      case "topology" ->
          Bounded.run(() -> TopologyFuzzTest.check(new String(input, StandardCharsets.UTF_8)));
      case "forwardStream" -> Bounded.run(() -> WireFuzzTest.forward(input));
      case "backChannel" -> Bounded.run(() -> WireFuzzTest.back(input));
      case "resume" -> Bounded.run(() -> ResumeFuzzTest.run(input));
      default -> throw new IllegalStateException("unknown -Djvfio.fuzz.target=" + TARGET);
    }
  }
}
