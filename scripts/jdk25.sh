# Sourced by ./jvfio and .ci/run: sets JAVA_HOME to a JDK 25 or newer, or explains why it cannot.
# Machines here have a default Java 17, so JAVA_HOME is used only when it really is 25+.

jvfio_java_major() {
  # prints the major version of "$1/bin/java", or nothing
  [ -x "$1/bin/java" ] || return 0
  "$1/bin/java" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

jvfio_select_jdk25() {
  local candidates=() c major
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  [ -n "${TEMURIN25_HOME:-}" ] && candidates+=("$TEMURIN25_HOME")
  for c in /usr/lib/jvm/*25* /usr/lib/jvm/* /opt/java/* /opt/jdk*; do
    [ -d "$c" ] && candidates+=("$c")
  done
  if command -v java >/dev/null 2>&1; then
    c=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
    candidates+=("$c")
  fi
  for c in "${candidates[@]}"; do
    major=$(jvfio_java_major "$c")
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then
      export JAVA_HOME="$c"
      return 0
    fi
  done
  echo "jvfio: no JDK 25 or newer found (looked at JAVA_HOME, TEMURIN25_HOME, /usr/lib/jvm, /opt and the java on PATH)." >&2
  echo "jvfio: install a JDK 25 (for example Temurin 25) and set JAVA_HOME to it." >&2
  return 1
}
