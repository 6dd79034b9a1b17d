#!/usr/bin/env bash
# Runs the benchmarks and prints their tables (root needed: BPF maps, namespaces).
#   rules   writing 524,288 rules: one update per rule vs batch from Java vs `bpftool batch file`
#   packet  the XDP program's cost per packet beside a no-lookup ceiling program
# Usage: sudo scripts/bench.sh [rules|packet|all]   (default all)
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
. "$root/scripts/env.sh"
if [[ $(id -u) -ne 0 ]]; then
  echo "bench.sh: run as root (BPF maps and network namespaces need it)" >&2
  exit 1
fi
bash "$root/scripts/setup.sh" >&2
cp=$root/tests/target/classes:$(<"$root/tests/target/runtime.classpath")
run() { "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$cp" "$@"; }
what=${1:-all}
case $what in
  rules|all) run io.xdprecon.tests.bench.RuleWriteBench "${RULES:-524288}" "${REPS:-3}" ;;&
  packet|all) run io.xdprecon.tests.bench.PacketCostBench "${DATAGRAMS:-200000}" "${REPEAT:-2000000}" ;;
  rules) ;;
  *) echo "bench.sh: unknown benchmark '$what' (rules, packet or all)" >&2; exit 2 ;;
esac
