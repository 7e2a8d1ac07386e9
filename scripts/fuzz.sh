#!/usr/bin/env bash
# Fuzzes one target of jvfio-fuzz with Jazzer's command-line driver for as long as asked, then prints
# the executions it made.
#
#   scripts/fuzz.sh TARGET SECONDS [JAZZER/LIBFUZZER ARGS...]   TARGET: syscalls, topology,
#                                                               forwardStream, backChannel, resume
#   scripts/fuzz.sh replay TARGET FILE                          reruns one input with its full stack
#   scripts/fuzz.sh seeds                                       rewrites the saved seed corpus
#
# The corpus grows in jvfio-fuzz/target/corpus/TARGET (the saved seeds are read, never written);
# findings land in jvfio-fuzz/target/findings. JVFIO_FUZZ_AVOID=exited,passToExited,closed,big steers the
# syscall target around known defects (see Avoid.java); JVFIO_FUZZ_OPTS adds JVM options;
# JVFIO_FUZZ_NO_BUILD=1 uses the classes as they are (to start a second run beside a first).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/jdk25.sh
jvfio_select_jdk25
export PATH="$JAVA_HOME/bin:$PATH"

usage() { sed -n '2,12p' "$0" >&2; exit 2; }
[ $# -ge 1 ] || usage

module=jvfio-fuzz
cpfile=$module/target/fuzz-classpath.txt
if [ -z "${JVFIO_FUZZ_NO_BUILD:-}" ] || [ ! -f "$cpfile" ]; then
  mvn -B -q -pl $module -am test-compile dependency:build-classpath -Djacoco.skip=true \
    -Dmdep.outputFile=target/fuzz-classpath.txt -Dmdep.includeScope=test >&2
fi
# each run loads the test classes from its own copy, so that a later build cannot pull them away
# from under a run that is still going
classes=$module/target/fuzz-classes-$$
rm -rf "$classes" && cp -r $module/target/test-classes "$classes"
trap 'rm -rf "$classes"' EXIT
cp="$classes:$(cat "$cpfile")"
jvm=(--enable-native-access=ALL-UNNAMED -XX:+EnableDynamicAgentLoading -XX:-OmitStackTraceInFastThrow
  "-Djvfio.fuzz.avoid=${JVFIO_FUZZ_AVOID:-}" ${JVFIO_FUZZ_OPTS:-})

case "$1" in
  seeds)
    (cd $module && java "${jvm[@]}" -cp "target/test-classes:$(cat target/fuzz-classpath.txt)" \
      io.jvfio.fuzz.SeedWriter)
    exit 0 ;;
  replay)
    [ $# -eq 3 ] || usage
    exec java "${jvm[@]}" -cp "$cp" io.jvfio.fuzz.Replay "$2" "$3" ;;
esac

[ $# -ge 2 ] || usage
target=$1 seconds=$2
shift 2
case "$target" in
  syscalls) seeds=SyscallFuzzTestInputs/syscalls ;;
  topology) seeds=TopologyFuzzTestInputs/topology ;;
  forwardStream) seeds=WireFuzzTestInputs/forwardStream ;;
  backChannel) seeds=WireFuzzTestInputs/backChannel ;;
  resume) seeds=ResumeFuzzTestInputs/resume ;;
  *) usage ;;
esac
corpus=$module/target/corpus/$target
findings=$module/target/findings
mkdir -p "$corpus" "$findings"
log=$module/target/fuzz-$target.log

# -rss_limit_mb=0: the JVM's own footprint is not a leak; -timeout: one input may take at most 60 s
# (Bounded stops it after 20 s with the stuck stack first)
set +e
java "${jvm[@]}" "-Djvfio.fuzz.target=$target" -cp "$cp" com.code_intelligence.jazzer.Jazzer \
  --target_class=io.jvfio.fuzz.CliTarget \
  --instrumentation_includes='io.jvfio.**' --custom_hook_includes='io.jvfio.**' \
  --reproducer_path="$findings" -artifact_prefix="$findings/$target-" \
  -max_total_time="$seconds" -timeout=60 -rss_limit_mb=0 -print_final_stats=1 \
  "$@" "$corpus" "$module/src/test/resources/io/jvfio/fuzz/$seeds" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
secs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\2/p' "$log" | tail -n 1)
if [ -z "$runs" ]; then # stopped by a finding: the last status line says how far it got
  runs=$(sed -n 's/^#\([0-9]*\).*/\1/p' "$log" | tail -n 1)
  secs=$seconds
fi
findings=$(grep -c '^== Java Exception' "$log" || true)
rate=$(( ${runs:-0} / (${secs:-1} > 0 ? ${secs:-1} : 1) ))
echo "fuzz $target: ${runs:-0} executions in ${secs:-?} s ($rate exec/s), $findings finding(s); log $log"
# with --keep_going Jazzer exits 0 after findings; a finding still fails the run
[ "$findings" -eq 0 ] || exit 1
exit "$status"
