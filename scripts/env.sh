# Sourced (not executed) by the scripts and the ./xdprecon launcher.
# Selects JDK 25: the machine's default `java` is JDK 17, which cannot run FFM code compiled for 25.
# Sets XDPRECON_ROOT (the repository), JAVA_HOME and PATH. Override the JDK with XDPRECON_JAVA_HOME.

XDPRECON_ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
export XDPRECON_ROOT

JAVA_HOME=${XDPRECON_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
if [[ ! -x "$JAVA_HOME/bin/java" || ! -x "$JAVA_HOME/bin/javac" ]]; then
  echo "xdprecon: no JDK at $JAVA_HOME (need JDK 25: install Temurin 25 there, or set XDPRECON_JAVA_HOME)" >&2
  return 1 2>/dev/null || exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
# Maven 3.8's bundled Guava calls sun.misc.Unsafe, which JDK 24+ warns about on every run.
case " ${MAVEN_OPTS:-} " in
  *" --sun-misc-unsafe-memory-access="*) ;;
  *) export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" ;;
esac
