import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Runs several jvfio command lines in one JVM, for the lab VM: under QEMU's software emulation a
 * JVM start costs tens of seconds, so scripts/lab-check starts one and feeds it every command.
 * Each line of the commands file is "NAME arg arg ..." ('#' lines and blank lines skipped); the
 * command's stdout goes to OUTDIR/NAME.out, its stderr to NAME.err, and "rc=N ms=M" to NAME.rc.
 * Each command runs as {@code jvfio arg arg ...} would (io.jvfio.cli.Main.run), one after another.
 *
 * <p>usage: java -cp jvfio.jar:DIR LabBatch COMMANDS OUTDIR
 */
public final class LabBatch {
  private LabBatch() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println("usage: LabBatch COMMANDS OUTDIR");
      System.exit(2);
    }
    Path outDir = Files.createDirectories(Path.of(args[1]));
    PrintStream realOut = System.out;
    PrintStream realErr = System.err;
    int worst = 0;
    for (String line : Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8)) {
      String t = line.strip();
      if (t.isEmpty() || t.startsWith("#")) {
        continue;
      }
      String[] words = t.split("\\s+");
      String name = words[0];
      String[] cli = List.of(words).subList(1, words.length).toArray(String[]::new);
      realOut.println("LAB_RUN " + name + ": jvfio " + String.join(" ", cli));
      long t0 = System.nanoTime();
      int rc;
      try (PrintStream out = stream(outDir.resolve(name + ".out"));
          PrintStream err = stream(outDir.resolve(name + ".err"))) {
        System.setOut(out);
        System.setErr(err);
        try {
          rc = io.jvfio.cli.Main.run(cli);
        } catch (RuntimeException | Error e) {
          // Main reports every failure itself; this is a crash of the runner's own making
          e.printStackTrace(err);
          rc = 70;
        } finally {
          System.setOut(realOut);
          System.setErr(realErr);
        }
      }
      long ms = (System.nanoTime() - t0) / 1_000_000;
      Files.writeString(outDir.resolve(name + ".rc"), "rc=" + rc + " ms=" + ms + "\n");
      realOut.println("LAB_RAN " + name + " rc=" + rc + " ms=" + ms);
      worst = Math.max(worst, rc);
    }
    System.exit(worst);
  }

  private static PrintStream stream(Path p) throws IOException {
    return new PrintStream(new FileOutputStream(p.toFile()), true, StandardCharsets.UTF_8);
  }
}
