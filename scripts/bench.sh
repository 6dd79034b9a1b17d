#!/usr/bin/env bash
# Runs the benchmarks and prints their tables (root needed: BPF maps, namespaces).
#   rules   writing 524,288 rules: one update per rule vs batch from Java vs `bpftool batch file`
#   packet     the XDP program's cost per packet beside a no-lookup ceiling program
#   reconcile  262,144 flows from config to kernel phase by phase vs bpftool; one changed flow among them
#   plan       `xdprecon plan` cold start (new JVM) on the example
#   sessions   session setup rate and first-packet-to-rules latency on the pinned map; DPDK slow path vs XDP pps
#   top        what one refresh of `xdprecon top` costs on a full map (524,288 rules with per-CPU counters)
#   scale      the control plane as a user meets it, each build with its unit's JVM options: `validate`, and `run` with
#              SOURCES (default file,git: a file replaced; a commit pushed to a bare repository that git daemon serves, then the signed webhook)
#              from cold start to every rule in the map and from a one-flow edit to its rule, at FLOWS
#              (default 65536,262000: at 262,144 the default map is full and an edit, which moves a key, is refused) with KEYS (even|random|one-client|one-server),
#              in one file and split over FILES flow files (default 1,256; an edit replaces one file); beside SCALE_BASE, a checkout of
#              the build to compare with (built there: mvn -B -q package -DskipTests), when set; each build in a lab
#              of its own datapath layout; then, in one file with the file source, an edit of every flow (every flow's
#              server port moved) until it is applied, when the file's map (MAX_RULES, default twice the flows, at least
#              524288) has room for it: make before break needs 3 rules a flow at the peak (MAX_RULES=1048576 at 262000)
#   sessionmem the daemon in dpdk mode (the unit's launcher and JVM options) with DPDK_SESSIONS live sessions (default
#              100000; first datagrams from as many client address:ports at DPDK_RATE a second, default 2000, in
#              namespaces of its own): whole-process RSS beside the EAL memory it configures
#   fullcheck  whole-map reads at FLOWS (default 262000) beside SCALE_BASE when set: `plan` and `apply` of a one-flow
#              edit on a dpdk node whose map of 1,048,576 holds the config's rules and SESSIONS sessions' (default
#              260000), and the daemon applying an edit of every flow together with a resize of its map (apply's full
#              staleness check and the migration): wall, CPU, peak RSS, with each build's unit JVM options
#   flowcost   what a flow costs the control plane (CPU µs from the file to a cold plan, heap bytes kept) at FLOWS
#              (default 16384,65536,262000) for KEYS (default even,random,one-client,one-server), with the unit's heap:
#              growth must be linear (a price list: one JVM, no kernel)
#   fastpath   forwarded pps from dpdk-testpmd: XDP_DROP, the redirect ceiling, kernel forwarding, nftables,
#              xdp_main (1 flow, full map), the tc bridge, the price list, IPv4 vs IPv6 hit (one frame replayed
#              through net_pcap), DPDK slow path, 2-queue scaling
#   planwalk   the planner's merged walks of packed rules at WALK_FLOWS (default 262000): the revision diff and the full
#              plan against the live rules, nothing changed and every flow edited (CPU ms, WALK_REPS runs; a price
#              list); beside WALK_BASE, a built checkout to compare with (the same bench class on its class path),
#              when set, alternating the two WALK_ROUNDS times (default 3)
#   families   one rules map for both address families vs layout 4's two: ns per hit (bpf_stats) and memory, maps full
#   planout    `plan --offline` of FLOWS (default 262000) flows as text and --json, the launcher with the unit's JVM
#              options, PLANOUT_RUNS (default 2) turns beside SCALE_BASE when set: wall, CPU, peak RSS, load
# Usage: sudo scripts/bench.sh [rules|packet|reconcile|plan|sessions|top|fastpath|families|scale|fullcheck|sessionmem|flowcost|planwalk|planout|all]   (default all)
# Benchmarks that draw charts write NAME.csv and NAME.png into $BENCH_OUT (default docs/bench, which the
# README shows): ReconcileBench over FLOWS (comma-separated sizes), SessionBench.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
. "$root/scripts/env.sh"
if [[ $(id -u) -ne 0 ]]; then
  echo "bench.sh: run as root (BPF maps and network namespaces need it)" >&2
  exit 1
fi
# Packages, bpffs, BTF; then the reactor built in this checkout (package, not install: ~/.m2 is shared, and each
# checkout's launcher and class path use its own target/ jars).
bash "$root/scripts/setup.sh" --no-build >&2
(cd "$root" && mvn -B -q package -DskipTests >&2)
cp=$root/tests/target/classes:$(<"$root/tests/target/runtime.classpath")
out=${BENCH_OUT:-$root/docs/bench}
run() { "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Dxdprecon.bench.out="$out" -cp "$cp" "$@"; }
what=${1:-all}
case $what in
  rules|all) run io.xdprecon.tests.bench.RuleWriteBench "${RULES:-524288}" "${REPS:-3}" ;;&
  packet|all) run io.xdprecon.tests.bench.PacketCostBench "${DATAGRAMS:-200000}" "${REPEAT:-2000000}" ;;&
  reconcile|all) run -Xmx12g io.xdprecon.tests.bench.ReconcileBench "${FLOWS:-16384,65536,262144}" ;;&
  sessions|all) run io.xdprecon.tests.bench.SessionBench "${SESSIONS:-200000}" "${ROUNDS:-3}" ;;&
  top|all) run io.xdprecon.tests.bench.TopBench "$root/xdprecon" "${RULES:-524288}" "${TOP_RUNS:-3}" ;;&
  scale|all) run -Dxdprecon.bench.files="${FILES:-1,256}" -Dxdprecon.bench.sources="${SOURCES:-file,git}" \
      -Dxdprecon.bench.maxRules="${MAX_RULES:-0}" \
      io.xdprecon.tests.bench.ScaleBench "${FLOWS:-65536,262000}" "${KEYS:-even}" "this=$root" \
      ${SCALE_BASE:+"base=$SCALE_BASE"} ;;&
  fullcheck|all) run io.xdprecon.tests.bench.FullCheckBench "${FLOWS:-262000}" "${SESSIONS:-260000}" "this=$root" \
      ${SCALE_BASE:+"base=$SCALE_BASE"} ;;&
  sessionmem|all) run io.xdprecon.tests.bench.SessionMemoryBench "$root" "${DPDK_SESSIONS:-100000}" "${DPDK_RATE:-2000}" ;;&
  flowcost|all) run -Xmx256m io.xdprecon.tests.bench.FlowCostBench "${FLOWS:-16384,65536,262000}" \
      "${KEYS:-even,random,one-client,one-server}" ;;&
  fastpath|all) run io.xdprecon.tests.bench.FastpathBench "${FP_ROUNDS:-5}" "${FP_WINDOW:-3}" "${FP_FLOWS:-524288}" ;;&
  planwalk|all)
    for ((r = 0; r < ${WALK_ROUNDS:-3}; r++)); do
      run -Xmx1g io.xdprecon.tests.bench.PlanWalkBench "${WALK_FLOWS:-262000}" "${WALK_REPS:-15}" "this=$root"
      if [[ -n ${WALK_BASE:-} ]]; then
        "$JAVA_HOME/bin/java" -Xmx1g -cp "$root/tests/target/classes:$(<"$WALK_BASE/tests/target/runtime.classpath")" \
          io.xdprecon.tests.bench.PlanWalkBench "${WALK_FLOWS:-262000}" "${WALK_REPS:-15}" "base=$WALK_BASE"
      fi
    done ;;&
  families|all) run io.xdprecon.tests.bench.FamilyMapsBench "${FAM_ROUNDS:-7}" "${FAM_DATAGRAMS:-100000}" "${FAM_FLOWS:-1024}" ;;&
  planout|all) run io.xdprecon.tests.bench.PlanOutputBench "${FLOWS:-262000}" "${PLANOUT_RUNS:-2}" "${KEYS:-even}" \
      "this=$root" ${SCALE_BASE:+"base=$SCALE_BASE"} ;;&
  plan|all)
    # `xdprecon plan` cold start on the example (node edge-3, xdp mode), in a namespace whose devices
    # (a veth pair) carry the example's names; a new JVM per run, as an operator would run it.
    ns=xr-bench-plan-$$
    ip netns add "$ns"
    trap 'ip netns del "$ns" 2>/dev/null || true' EXIT
    ip -n "$ns" link add ens5 type veth peer name ens6
    runs=${PLAN_RUNS:-5}
    times=()
    for ((i = 0; i < runs; i++)); do
      t0=$(date +%s%N)
      ip netns exec "$ns" "$root/xdprecon" plan -c "$root/examples/flows.yaml" --node edge-3 >/dev/null
      times+=($(( ($(date +%s%N) - t0) / 1000000 )))
    done
    sorted=($(printf '%s\n' "${times[@]}" | sort -n))
    printf '\n`xdprecon plan -c examples/flows.yaml --node edge-3`, new JVM each run (%d runs)\n' "$runs"
    printf '| %-28s | %8s |\n|%s|%s|\n' "statistic" "ms" "------------------------------" "----------"
    printf '| %-28s | %8d |\n' "min" "${sorted[0]}" "median" "${sorted[$((runs / 2))]}" "max" "${sorted[$((runs - 1))]}"
    ;;
  rules|packet|reconcile|sessions|top|fastpath|families|scale|fullcheck|sessionmem|flowcost|planwalk|planout) ;;
  *) echo "bench.sh: unknown benchmark '$what' (rules, packet, reconcile, plan, sessions, top, fastpath, families, scale, fullcheck, sessionmem, flowcost, planwalk, planout or all)" >&2; exit 2 ;;
esac
