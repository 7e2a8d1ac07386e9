package io.jvfio.uapi;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.uapi.iommufd.IommufdConstants;
import io.jvfio.uapi.iommufd.IommufdIoctls;
import io.jvfio.uapi.layout.Field;
import io.jvfio.uapi.vfio.VfioConstants;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.io.IOException;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiles a C program against the machine's {@code linux/vfio.h} (and {@code linux/iommufd.h} when
 * it exists) and compares what gcc says (sizeof, offsetof of every member, constant values and
 * ioctl numbers) with the Java layouts and constants.
 *
 * <p>The machine's header may be older than mainline (Debian 12 ships Linux 6.1 headers): a struct
 * or constant the header lacks is not compared here, and a struct whose Java layout has a member
 * the header lacks (for example {@code pad} in {@code vfio_device_info}) gets its offsets compared
 * but not its sizeof; {@link LayoutAgainstSpecTest} checks those sizes against the spec tables.
 *
 * <p>The include directory defaults to {@code /usr/include}; the system property {@code
 * jvfio.uapi.include} points the test at another tree (for example a copy of mainline uapi
 * headers).
 *
 * <p>Strict mode ({@code -Djvfio.uapi.strict=true}, used by {@code scripts/lab-check} with Linux
 * 6.12's headers) does not skip: both headers must exist, and every struct, struct member and
 * constant jvfio has must be in them, except the items listed in the file named by {@code
 * jvfio.uapi.newer} (see {@link NewerThanHeaderList}); a listed item the header has fails too.
 */
class LayoutAgainstHeaderTest {

  private static final int MIN_STRUCTS = 35;
  private static final int MIN_CONSTANTS = 150;

  private static final Path INCLUDE_DIR =
      Path.of(System.getProperty("jvfio.uapi.include", "/usr/include"));
  private static final boolean STRICT = Boolean.getBoolean("jvfio.uapi.strict");
  private static final String NEWER_LIST = System.getProperty("jvfio.uapi.newer", "");

  private static final List<Class<?>> CONSTANT_CLASSES =
      List.of(VfioIoctls.class, VfioConstants.class, IommufdIoctls.class, IommufdConstants.class);

  private static final Pattern STRUCT_START = Pattern.compile("\\bstruct\\s+(\\w+)\\s*\\{");
  private static final Pattern ENUM_START = Pattern.compile("\\benum(?:\\s+\\w+)?\\s*\\{");
  private static final Pattern DEFINE =
      Pattern.compile("^[ \\t]*#[ \\t]*define[ \\t]+(\\w+)(\\(?)", Pattern.MULTILINE);
  private static final Pattern MEMBER =
      Pattern.compile("([A-Za-z_]\\w*)\\s*(?:\\[[^\\]]*\\]\\s*)*$");
  private static final Pattern FLEX_MACRO =
      Pattern.compile("__DECLARE_FLEX_ARRAY\\s*\\(\\s*[^,]+,\\s*(\\w+)\\s*\\)\\s*$");
  private static final Pattern ANNOTATION =
      Pattern.compile(
          "\\b(?:__counted_by\\w*|__attribute__|__aligned)\\s*\\((?:[^()]|\\([^()]*\\))*\\)");
  private static final Pattern ENUM_MEMBER = Pattern.compile("(?s)([A-Za-z_]\\w*)\\s*(?:=.*)?");

  /** What the header text declares, as far as this test needs it. */
  record Header(Map<String, Set<String>> structMembers, Set<String> constants) {}

  @Test
  void javaLayoutsAndConstantsMatchTheKernelHeader(@TempDir Path tmp)
      throws IOException, InterruptedException {
    Path vfioH = INCLUDE_DIR.resolve("linux/vfio.h");
    Path iommufdH = INCLUDE_DIR.resolve("linux/iommufd.h");
    if (STRICT) {
      // strict mode is asked for on purpose: a missing header or compiler is a failure, not a skip
      assertThat(vfioH).as("strict mode needs the header").isRegularFile();
      assertThat(iommufdH).as("strict mode needs the header").isRegularFile();
      assertThat(gccWorks()).as("strict mode needs gcc on the PATH").isTrue();
    }
    Assumptions.assumeTrue(
        Files.isRegularFile(vfioH),
        "skipped: " + vfioH + " is missing (install linux-libc-dev to compare with the kernel)");
    Assumptions.assumeTrue(
        gccWorks(), "skipped: gcc is not on the PATH (install gcc to compare with the kernel)");
    NewerThanHeaderList newer =
        NEWER_LIST.isEmpty() ? NewerThanHeaderList.empty() : NewerThanHeaderList.read(newerList());

    List<Path> headers = new ArrayList<>();
    headers.add(vfioH);
    if (Files.isRegularFile(iommufdH)) {
      headers.add(iommufdH);
    }
    Map<String, Set<String>> cStructs = new TreeMap<>();
    Set<String> cConstants = new TreeSet<>();
    for (Path h : headers) {
      Header parsed = parseHeader(Files.readString(h, StandardCharsets.UTF_8));
      cStructs.putAll(parsed.structMembers());
      cConstants.addAll(parsed.constants());
    }

    // Build the C program, remembering what each output line is to be compared with.
    StringBuilder c = new StringBuilder();
    c.append("#include <stdio.h>\n#include <stddef.h>\n");
    for (Path h : headers) {
      c.append("#include <linux/").append(h.getFileName()).append(">\n");
    }
    c.append("int main(void) {\n");

    Map<String, Long> expectedSizes = new LinkedHashMap<>();
    Map<String, Long> expectedOffsets = new LinkedHashMap<>();
    Map<String, Long> sizeNotCompared = new TreeMap<>();
    Map<String, Set<String>> headerOnlyMembers = new TreeMap<>();
    List<String> absentStructs = new ArrayList<>();
    // item names as NewerThanHeaderList writes them: "struct NAME", "NAME.MEMBER", constant names
    Set<String> missingItems = new TreeSet<>();
    int structsCompared = 0;
    for (StructLayout layout : UapiStructs.ALL) {
      String tag = layout.name().orElseThrow();
      Set<String> cMembers = cStructs.get(tag);
      Set<String> javaMembers = namedMembers(layout);
      if (cMembers == null) {
        absentStructs.add(tag);
        missingItems.add("struct " + tag);
        continue;
      }
      structsCompared++;
      javaMembers.stream()
          .filter(m -> !cMembers.contains(m))
          .forEach(m -> missingItems.add(tag + "." + m));
      if (cMembers.containsAll(javaMembers)) {
        expectedSizes.put(tag, layout.byteSize());
        c.append("  printf(\"S %s %zu\\n\", \"")
            .append(tag)
            .append("\", sizeof(struct ")
            .append(tag)
            .append("));\n");
      } else {
        sizeNotCompared.put(tag, layout.byteSize());
      }
      for (String m : javaMembers) {
        if (cMembers.contains(m)) {
          expectedOffsets.put(tag + "." + m, Field.offset(layout, m));
          c.append("  printf(\"O %s %zu\\n\", \"")
              .append(tag)
              .append('.')
              .append(m)
              .append("\", offsetof(struct ")
              .append(tag)
              .append(", ")
              .append(m)
              .append("));\n");
        }
      }
      Set<String> extra = new TreeSet<>(cMembers);
      extra.removeAll(javaMembers);
      if (!extra.isEmpty()) {
        headerOnlyMembers.put(tag, extra);
      }
    }

    Map<String, Long> javaConstants = javaConstants();
    Map<String, Boolean> javaIsInt = javaConstantIsInt();
    int constantsCompared = 0;
    for (String name : javaConstants.keySet()) {
      if (!cConstants.contains(name)) {
        missingItems.add(name);
      }
      if (cConstants.contains(name)) {
        constantsCompared++;
        c.append("  printf(\"C %s %lld\\n\", \"")
            .append(name)
            .append("\", (long long)(")
            .append(name)
            .append("));\n");
      }
    }
    c.append("  return 0;\n}\n");

    List<String> output = compileAndRun(tmp, c.toString());

    SoftAssertions softly = new SoftAssertions();
    Set<String> seen = new LinkedHashSet<>();
    for (String line : output) {
      String[] f = line.split(" ");
      assertThat(f).as("output line '%s'", line).hasSize(3);
      long cValue = Long.parseLong(f[2]);
      seen.add(f[0] + " " + f[1]);
      switch (f[0]) {
        case "S" ->
            softly
                .assertThat(expectedSizes.get(f[1]))
                .as("Java sizeof(struct %s) vs gcc", f[1])
                .isEqualTo(cValue);
        case "O" ->
            softly
                .assertThat(expectedOffsets.get(f[1]))
                .as("Java offsetof(%s) vs gcc", f[1])
                .isEqualTo(cValue);
        case "C" -> {
          long javaValue = javaConstants.get(f[1]);
          boolean match =
              javaIsInt.get(f[1])
                  // an int constant matches C's value read signed (1 << 31, -1) or as a u32
                  ? cValue == javaValue || cValue == Integer.toUnsignedLong((int) javaValue)
                  : cValue == javaValue;
          softly
              .assertThat(match)
              .as(
                  "constant %s: Java %d (0x%x) vs C %d (0x%x)",
                  f[1], javaValue, javaValue, cValue, cValue)
              .isTrue();
        }
        default -> softly.fail("unexpected output line '%s'", line);
      }
    }
    softly
        .assertThat(seen)
        .as("gcc printed a line for every comparison")
        .hasSize(expectedSizes.size() + expectedOffsets.size() + constantsCompared);

    // A sizeof the header cannot check (Java has a member it lacks) must be pinned by the spec.
    Map<String, Long> specSizes = LayoutAgainstSpecTest.specSizes();
    for (Map.Entry<String, Long> e : sizeNotCompared.entrySet()) {
      softly
          .assertThat(specSizes)
          .as(
              "sizeof(struct %s) is not comparable with this header, so the spec must pin it",
              e.getKey())
          .containsKey(e.getKey());
      if (specSizes.containsKey(e.getKey())) {
        softly
            .assertThat(e.getValue())
            .as("Java sizeof(struct %s) vs spec table", e.getKey())
            .isEqualTo(specSizes.get(e.getKey()));
      }
    }

    softly
        .assertThat(structsCompared)
        .as("structs found in both Java and the header")
        .isGreaterThanOrEqualTo(MIN_STRUCTS);
    softly
        .assertThat(constantsCompared)
        .as("constants found in both Java and the header")
        .isGreaterThanOrEqualTo(MIN_CONSTANTS);

    System.out.printf(
        "LayoutAgainstHeaderTest: %s: %d structs compared (%d sizeof, %d offsetof; sizeof of %s"
            + " pinned by the spec instead), %d constants compared; not in this header: %d structs"
            + " %s, %d constants; header-only members: %s%n",
        headers,
        structsCompared,
        expectedSizes.size(),
        expectedOffsets.size(),
        sizeNotCompared.keySet(),
        constantsCompared,
        absentStructs.size(),
        absentStructs,
        javaConstants.size() - constantsCompared,
        headerOnlyMembers);
    if (STRICT) {
      for (String problem : newer.problems(missingItems, jvfioItems())) {
        softly.fail("strict (%s, list %s): %s", INCLUDE_DIR, NEWER_LIST, problem);
      }
      System.out.printf(
          "LayoutAgainstHeaderTest strict: structs=%d sizeof=%d offsets=%d constants=%d"
              + " listed-newer=%d missing=%s%n",
          structsCompared,
          expectedSizes.size(),
          expectedOffsets.size(),
          constantsCompared,
          newer.reasons().size(),
          missingItems);
    }
    softly.assertAll();
  }

  /**
   * The list file; a relative path that is not found from the module directory (where surefire
   * runs) is taken from the project root, as {@code scripts/lab-check} writes it.
   */
  private static Path newerList() {
    Path p = Path.of(NEWER_LIST);
    if (!p.isAbsolute() && !Files.exists(p) && Files.exists(Path.of("..").resolve(p))) {
      return Path.of("..").resolve(p);
    }
    return p;
  }

  /** Every uAPI item jvfio has, named as {@link NewerThanHeaderList} names them. */
  static Set<String> jvfioItems() {
    Set<String> items = new TreeSet<>(javaConstants().keySet());
    for (StructLayout layout : UapiStructs.ALL) {
      String tag = layout.name().orElseThrow();
      items.add("struct " + tag);
      namedMembers(layout).forEach(m -> items.add(tag + "." + m));
    }
    return items;
  }

  /** Named members of a layout, including those inside anonymous unions and structs. */
  static Set<String> namedMembers(GroupLayout layout) {
    Set<String> names = new LinkedHashSet<>();
    for (MemoryLayout m : layout.memberLayouts()) {
      if (m.name().isPresent()) {
        names.add(m.name().get());
      } else if (m instanceof GroupLayout anonymous) {
        names.addAll(namedMembers(anonymous));
      }
    }
    return names;
  }

  /** Every public static final int or long field of the constant classes, widened to long. */
  static Map<String, Long> javaConstants() {
    Map<String, Long> values = new TreeMap<>();
    for (Class<?> k : CONSTANT_CLASSES) {
      for (java.lang.reflect.Field f : k.getFields()) {
        int mod = f.getModifiers();
        if (!Modifier.isStatic(mod) || !Modifier.isFinal(mod)) {
          continue;
        }
        try {
          if (f.getType() == int.class) {
            values.put(f.getName(), (long) f.getInt(null));
          } else if (f.getType() == long.class) {
            values.put(f.getName(), f.getLong(null));
          }
        } catch (IllegalAccessException e) {
          throw new AssertionError(e);
        }
      }
    }
    return values;
  }

  private static Map<String, Boolean> javaConstantIsInt() {
    Map<String, Boolean> isInt = new TreeMap<>();
    for (Class<?> k : CONSTANT_CLASSES) {
      for (java.lang.reflect.Field f : k.getFields()) {
        if (Modifier.isStatic(f.getModifiers()) && Modifier.isFinal(f.getModifiers())) {
          isInt.put(f.getName(), f.getType() == int.class);
        }
      }
    }
    return isInt;
  }

  /** Parses struct member names, object-like #defines and enum members out of a header. */
  static Header parseHeader(String text) {
    String src = stripComments(text).replaceAll("\\\\\\r?\\n", " ");
    Set<String> constants = new TreeSet<>();
    Matcher d = DEFINE.matcher(src);
    while (d.find()) {
      if (d.group(2).isEmpty()) { // "#define F(x)" is a function-like macro, not a constant
        constants.add(d.group(1));
      }
    }
    // Drop preprocessor lines now so they cannot be mistaken for declarations.
    String code = src.replaceAll("(?m)^[ \\t]*#.*$", "");

    Map<String, Set<String>> structs = new TreeMap<>();
    Matcher s = STRUCT_START.matcher(code);
    while (s.find()) {
      String body = body(code, s.end() - 1);
      Set<String> members = new LinkedHashSet<>();
      for (String decl : body.split(";")) {
        String t = decl.strip();
        int brace = Math.max(t.lastIndexOf('{'), t.lastIndexOf('}'));
        // drop annotations that may follow the declarator: __counted_by(n), __attribute__((...))
        t = ANNOTATION.matcher(t.substring(brace + 1)).replaceAll("").strip();
        if (t.isEmpty()) {
          continue;
        }
        Matcher flex = FLEX_MACRO.matcher(t);
        Matcher m = MEMBER.matcher(t);
        if (flex.find()) {
          members.add(flex.group(1));
        } else if (m.find()) {
          members.add(m.group(1));
        }
      }
      structs.put(s.group(1), members);
    }

    Matcher e = ENUM_START.matcher(code);
    while (e.find()) {
      for (String item : body(code, e.end() - 1).split(",")) {
        Matcher m = ENUM_MEMBER.matcher(item.strip());
        if (m.matches()) {
          constants.add(m.group(1));
        }
      }
    }
    return new Header(structs, constants);
  }

  /** The text between the brace at {@code open} and its matching closing brace. */
  private static String body(String code, int open) {
    int depth = 0;
    for (int i = open; i < code.length(); i++) {
      char ch = code.charAt(i);
      if (ch == '{') {
        depth++;
      } else if (ch == '}' && --depth == 0) {
        return code.substring(open + 1, i);
      }
    }
    throw new IllegalArgumentException("unbalanced braces after offset " + open);
  }

  static String stripComments(String text) {
    return text.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\\n]*", "");
  }

  private static boolean gccWorks() {
    try {
      Process p = new ProcessBuilder("gcc", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static List<String> compileAndRun(Path tmp, String program)
      throws IOException, InterruptedException {
    Path source = tmp.resolve("layout_check.c");
    Path binary = tmp.resolve("layout_check");
    Files.writeString(source, program, StandardCharsets.UTF_8);
    List<String> gcc = new ArrayList<>(List.of("gcc", "-std=gnu11", "-O0"));
    if (!INCLUDE_DIR.equals(Path.of("/usr/include"))) {
      gcc.add("-I" + INCLUDE_DIR);
    }
    gcc.addAll(List.of("-o", binary.toString(), source.toString()));
    Run compiled = run(gcc);
    assertThat(compiled.exit()).as("gcc failed on %s:%n%s", source, compiled.stderr()).isZero();
    Run ran = run(List.of(binary.toString()));
    assertThat(ran.exit()).as("%s failed:%n%s", binary, ran.stderr()).isZero();
    return ran.stdout().lines().filter(l -> !l.isBlank()).toList();
  }

  private record Run(int exit, String stdout, String stderr) {}

  private static Run run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).start();
    p.getOutputStream().close();
    var err = new java.util.concurrent.CompletableFuture<String>();
    Thread drain =
        Thread.ofVirtual()
            .start(() -> {
              try {
                err.complete(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
              } catch (IOException e) {
                err.complete("(could not read stderr: " + e + ")");
              }
            });
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("timed out: " + command);
    }
    drain.join();
    return new Run(p.exitValue(), out, err.join());
  }
}
