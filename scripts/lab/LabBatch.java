import io.jvfio.client.Iommufd;
import io.jvfio.client.VfioDevice;
import io.jvfio.uapi.Syscalls;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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
 * <p>One built-in, for a state worth moving: "NAME @poke CDEV OFFSET=BYTE ..." opens the vfio cdev
 * on the real kernel, binds it to a new iommufd and writes each byte at its offset of the device
 * file (a region's offset, as VFIO_DEVICE_GET_REGION_INFO gives it: BAR n of a PCI-like device at n
 * << 40), then closes it. The lab writes an mtty's UART registers this way before saving its state.
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
          rc = cli.length > 0 && cli[0].equals("@poke") ? poke(cli, out) : io.jvfio.cli.Main.run(cli);
        } catch (RuntimeException | Error | ReflectiveOperationException e) {
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

  /** "@poke CDEV OFFSET=BYTE ...": 0 when every byte was written, 1 otherwise. */
  private static int poke(String[] cli, PrintStream out) throws ReflectiveOperationException {
    if (cli.length < 3) {
      out.println("usage: @poke CDEV OFFSET=BYTE ...");
      return 2;
    }
    // by name: the jar has jvfio-native only once the CLI has --backend native
    Syscalls sys =
        (Syscalls)
            Class.forName("io.jvfio.nativebackend.NativeSyscalls").getConstructor().newInstance();
    try (Iommufd iommufd = Iommufd.open(sys);
        VfioDevice d = VfioDevice.openCdev(sys, cli[1], iommufd);
        Arena a = Arena.ofConfined()) {
      MemorySegment one = a.allocate(1);
      for (int i = 2; i < cli.length; i++) {
        String[] kv = cli[i].split("=", 2);
        long offset = Long.decode(kv[0]);
        one.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0, (byte) (int) Integer.decode(kv[1]));
        long n = sys.pwrite(d.fd(), one, offset);
        out.println("pwrite " + cli[1] + " offset 0x" + Long.toHexString(offset) + " = " + kv[1] + ": " + n);
        if (n != 1) {
          return 1;
        }
      }
    }
    return 0;
  }

  private static PrintStream stream(Path p) throws IOException {
    return new PrintStream(new FileOutputStream(p.toFile()), true, StandardCharsets.UTF_8);
  }
}
