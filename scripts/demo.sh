#!/usr/bin/env bash
# The demo: sets the machine up (packages, bpffs, build), then runs `xdprecon demo`.
#   sudo ./scripts/demo.sh [demo options]
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
bash "$here/setup.sh"
exec "$here/../xdprecon" demo "$@"
