package io.jvfio.cli;

/** Counted nouns in English: "1 function", "2 functions". */
final class Plural {
  private Plural() {}

  /** {@code n} and {@code noun}, with an "s" unless {@code n} is one. */
  static String of(long n, String noun) {
    return n + " " + (n == 1 ? noun : noun + "s");
  }
}
