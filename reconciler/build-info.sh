#!/usr/bin/env bash
# Writes OUT_DIR/io/xdprecon/cli/build.properties: the version, the Git commit and the date of this build,
# which `xdprecon --version`, the daemon's start line and scripts/package.sh read. Outside a Git checkout
# (a source tarball) the commit is "unknown"; uncommitted changes add "-dirty" to it.
set -euo pipefail
out=${1:?usage: build-info.sh OUT_DIR VERSION}
version=${2:?usage: build-info.sh OUT_DIR VERSION}
here=$(cd "$(dirname "$0")" && pwd)
commit=unknown
commits=0
if git -C "$here" rev-parse --verify -q HEAD >/dev/null 2>&1; then
  commit=$(git -C "$here" rev-parse HEAD)
  commits=$(git -C "$here" rev-list --count HEAD)
  if ! git -C "$here/.." diff --quiet HEAD -- 2>/dev/null; then
    commit+=-dirty
  fi
fi
mkdir -p "$out/io/xdprecon/cli"
cat > "$out/io/xdprecon/cli/build.properties" <<PROPERTIES
version=$version
commit=$commit
commits=$commits
date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
PROPERTIES
