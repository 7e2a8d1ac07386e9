package io.jvfio.fuzz;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs one saved input of a target outside Jazzer, to reproduce a finding with its full stack
 * ({@code scripts/fuzz.sh replay TARGET FILE}; add {@code -Djvfio.fuzz.trace=true} to see every
 * syscall of a program).
 */
public final class Replay {
  private Replay() {}

  public static void main(String[] args) throws Exception {
    byte[] input = Files.readAllBytes(Path.of(args[1]));
    Object result =
        switch (args[0]) {
          case "syscalls" -> SyscallFuzzTest.run(input, Avoid.fromSystemProperty());
          case "topology" ->
              TopologyFuzzTest.check(new String(input, java.nio.charset.StandardCharsets.UTF_8));
          case "forwardStream" -> WireFuzzTest.forward(input);
          case "backChannel" -> WireFuzzTest.back(input);
          case "resume" -> ResumeFuzzTest.run(input);
          default -> throw new IllegalArgumentException("unknown target " + args[0]);
        };
    System.out.println(args[0] + " " + args[1] + ": passed, " + result);
  }
}
