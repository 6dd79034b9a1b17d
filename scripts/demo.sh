#!/usr/bin/env bash
# The demo: sets the machine up (packages, bpffs, build), then runs `xdprecon demo`.
#   sudo ./scripts/demo.sh [demo options]
# Placeholder: the `demo` subcommand is being written in its own issue; until it lands, the CLI
# answers "Unmatched argument".
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
bash "$here/setup.sh"
exec "$here/../xdprecon" demo "$@"
