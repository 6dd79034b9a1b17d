#!/usr/bin/env bash
# Compiles every bpf/*.c into OUT_DIR/NAME.o (BTF included for libbpf and the layout test).
set -euo pipefail
out=${1:?usage: compile.sh OUT_DIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
arch_include=/usr/include/$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)
for src in "$here"/*.c; do
  obj="$out/$(basename "${src%.c}").o"
  if [[ ! -e "$obj" || "$src" -nt "$obj" || "$here/xdprecon.h" -nt "$obj" || "$here/forward.h" -nt "$obj" ]]; then
    clang -O2 -g -Wall -Werror -target bpf -I"$here" -I"$arch_include" -c "$src" -o "$obj"
    echo "compiled $(basename "$src") -> $obj"
  fi
done
# Benchmark variants (never loaded in production): the same program with one stage switched off, to price it.
variant() {
  local name=$1 flag=$2 obj="$out/xdp_fwd_$1.o"
  if [[ ! -e "$obj" || "$here/xdp_fwd.c" -nt "$obj" || "$here/xdprecon.h" -nt "$obj" || "$here/forward.h" -nt "$obj" ]]; then
    clang -O2 -g -Wall -Werror -Wno-unused-function -Wno-unreachable-code -target bpf "-D$flag" -I"$here" -I"$arch_include" \
      -c "$here/xdp_fwd.c" -o "$obj"
    echo "compiled xdp_fwd.c ($flag) -> $obj"
  fi
}
variant nocounters XDPRECON_BENCH_NO_FLOW_COUNTERS
variant nostats XDPRECON_BENCH_NO_STATS
variant noipcheck XDPRECON_BENCH_NO_IP_CHECK
variant nohopcache XDPRECON_BENCH_NO_HOP_CACHE
variant onemap XDPRECON_BENCH_ONE_MAP   # both families in one rules map (FamilyMapsBench)
# Test fixtures (never loaded in production): the datapath of other layouts, for the migration tests.
fixture() {
  local src=$1 obj=$2 dir
  dir=$(dirname "$src")
  if [[ ! -e "$obj" || "$src" -nt "$obj" || "$dir/xdprecon.h" -nt "$obj" || "$dir/forward.h" -nt "$obj" \
        || "$here/xdprecon.h" -nt "$obj" || "$here/forward.h" -nt "$obj" || "$here/xdp_fwd.c" -nt "$obj" ]]; then
    clang -O2 -g -Wall -Werror -target bpf -I"$dir" -I"$here" -I"$arch_include" -c "$src" -o "$obj"
    echo "compiled fixture $(basename "$src") -> $obj"
  fi
}
fixture "$here/legacy/layout1/xdp_fwd.c" "$out/xdp_fwd_layout1.o"   # the release before layout 2 (bpf/legacy)
fixture "$here/legacy/layout2/xdp_fwd.c" "$out/xdp_fwd_layout2.o"   # the release before layout 3 (bpf/legacy)
fixture "$here/legacy/layout3/xdp_fwd.c" "$out/xdp_fwd_layout3.o"   # the release before layout 4 (bpf/legacy)
fixture "$here/fixtures/xdp_fwd_newer.c" "$out/xdp_fwd_newer.o"     # the layout after this build's
# The header ships too: the layout test reads the enums the BTF does not carry from it.
cp -p "$here/xdprecon.h" "$out/xdprecon.h"
