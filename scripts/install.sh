#!/usr/bin/env bash
# Installs a self-contained xdprecon under PREFIX (default /opt/xdprecon), as the systemd unit expects:
#   sudo ./scripts/install.sh [PREFIX]
# PREFIX gets the launcher, the JDK selection (scripts/env.sh), every runtime jar in lib/, the AOT cache,
# examples, schema and the systemd files. Nothing is read from this checkout or from ~/.m2 at run time
# (the unit's ProtectHome=yes hides /root). Upgrading is safe while the daemon runs: the new lib/ is
# staged beside the old one and swapped in by rename, so a running JVM keeps reading the files it opened;
# `systemctl restart xdprecon` then picks the new build up (the datapath adopts its maps, losing nothing).
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
# shellcheck source=env.sh
. "$here/env.sh"
prefix=${1:-/opt/xdprecon}
src=$XDPRECON_ROOT
jar=$src/reconciler/target/xdprecon-reconciler-0.1.0-SNAPSHOT.jar
cpfile=$src/reconciler/target/runtime.classpath

if [[ ! -f $jar || ! -s $cpfile ]]; then
  echo "install.sh: building first (mvn -B -q -DskipTests package)" >&2
  (cd "$src" && mvn -B -q -DskipTests package >&2)
fi

mkdir -p "$prefix/scripts"
stage=$(mktemp -d "$prefix/.lib.XXXXXX")
trap 'rm -rf "$stage"' EXIT
cp "$jar" "$stage/xdprecon-reconciler.jar"
IFS=: read -r -a deps < "$cpfile" || true  # the file has no final newline
for dep in "${deps[@]}"; do
  if [[ ! -f $dep ]]; then
    echo "install.sh: $dep is missing: rebuild with 'mvn -B -DskipTests package' in $src" >&2
    exit 1
  fi
  cp "$dep" "$stage/"
done
chmod 0755 "$stage"

install -m 0755 "$src/xdprecon" "$prefix/xdprecon"
install -m 0644 "$src/scripts/env.sh" "$prefix/scripts/env.sh"
for dir in examples schema systemd; do
  rm -rf "$prefix/$dir" && cp -r "$src/$dir" "$prefix/$dir"
done
if [[ -d $prefix/lib ]]; then
  rm -rf "$prefix/lib.old" && mv "$prefix/lib" "$prefix/lib.old"
fi
mv "$stage" "$prefix/lib"
trap - EXIT
rm -rf "$prefix/lib.old"

# The launcher makes its AOT cache (faster start) on first use; /opt is read-only for the unit: make it now.
rm -f "$prefix/lib/xdprecon.aot"
"$prefix/xdprecon" --version >/dev/null
echo "install.sh: installed $(find "$prefix/lib" -name "*.jar" | wc -l) jars under $prefix/lib; launcher $prefix/xdprecon"
