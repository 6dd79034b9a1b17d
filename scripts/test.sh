#!/usr/bin/env bash
# The one test command: sets the machine up, builds, and runs every module's tests.
#   sudo ./scripts/test.sh [extra mvn arguments, e.g. -pl reconciler -Dtest=MainTest]
# Root is required: the end-to-end tests create network namespaces and load XDP programs.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)

if [[ $EUID -ne 0 ]]; then
  echo "test.sh: the tests need root (network namespaces, XDP, bpffs): sudo $0${*:+ $*}" >&2
  exit 1
fi

bash "$here/setup.sh"
# shellcheck source=env.sh
. "$here/env.sh"
cd "$XDPRECON_ROOT"
# The config fuzzer's full 100,000 cases (a plain `mvn verify` runs 10,000): about two minutes of one core.
echo "test.sh: mvn -B verify -Dxdprecon.fuzz.cases=100000 $*"
mvn -B verify -Dxdprecon.fuzz.cases=100000 "$@"
