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
# Benchmark variant: the same program without per-flow counters, to price them.
variant="$out/xdp_fwd_nocounters.o"
if [[ ! -e "$variant" || "$here/xdp_fwd.c" -nt "$variant" || "$here/xdprecon.h" -nt "$variant" || "$here/forward.h" -nt "$variant" ]]; then
  clang -O2 -g -Wall -Werror -Wno-unused-function -target bpf -DXDPRECON_BENCH_NO_FLOW_COUNTERS -I"$here" -I"$arch_include" \
    -c "$here/xdp_fwd.c" -o "$variant"
  echo "compiled xdp_fwd.c (no flow counters) -> $variant"
fi
# The header ships too: the layout test reads the enums the BTF does not carry from it.
cp -p "$here/xdprecon.h" "$out/xdprecon.h"
