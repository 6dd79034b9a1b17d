#!/usr/bin/env bash
# Prepares this machine for xdprecon and builds it. Idempotent: a second run only checks, then builds.
#   sudo ./scripts/setup.sh              install missing packages, mount bpffs, check BTF, build
#   sudo ./scripts/setup.sh --no-build   everything except the Maven build
# Needs root and a Debian-like system (tested on Debian 12 "bookworm").
set -euo pipefail

usage() { sed -n '2,5s/^# \{0,1\}//p' "$0"; }
build=1
for arg in "$@"; do
  case "$arg" in
    --no-build) build=0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "setup.sh: unknown argument '$arg'" >&2; usage >&2; exit 2 ;;
  esac
done

die() { echo "setup.sh: $*" >&2; exit 1; }
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)

# --- preconditions -------------------------------------------------------------------------------
if [[ -r /etc/os-release ]]; then
  # shellcheck disable=SC1091
  os_id=$(. /etc/os-release && echo "${ID:-} ${ID_LIKE:-}")
else
  os_id=""
fi
if [[ " $os_id " != *" debian "* ]] || ! command -v apt-get >/dev/null || ! command -v dpkg-query >/dev/null; then
  die "this script supports Debian-like systems only (apt-get/dpkg); found '${os_id:-unknown}'.
Install by hand: clang llvm libbpf-dev bpftool dpdk libdpdk-dev iproute2 tcpdump ethtool kmod procps prometheus tmux, Maven and JDK 25."
fi
if [[ $EUID -ne 0 ]]; then
  die "must run as root (it installs packages and mounts the bpffs): sudo $0${*:+ $*}"
fi

# --- packages ------------------------------------------------------------------------------------
# clang+llvm: compile bpf/*.c (-target bpf). gcc-multilib is NOT needed: bpf/compile.sh passes
#   -I/usr/include/<multiarch>, where linux-libc-dev keeps asm/ (gcc-multilib only adds the
#   /usr/include/asm symlink).
# libbpf-dev (pulls libbpf1) and dpdk/libdpdk-dev (DPDK 22.11 incl. the AF_XDP PMD; recommends bring
#   the mempool ring driver, so keep recommends on): FFM targets.
# dpdk-dev: /usr/bin/dpdk-testpmd (the dpdk package does not ship it), the line-rate generator of
#   `bench.sh fastpath`.
# bpftool, iproute2, tcpdump, ethtool, kmod, procps: the tests and for looking at a live node.
# nftables, iputils-ping: the session tests put their clients behind a masquerading NAT namespace and
#   ping the DPDK loop.
# systemd-container: PackageTest boots a systemd (systemd-nspawn) to install the package and run its unit.
# asciidoctor, lintian: scripts/package.sh makes the man pages and checks the package; zsh: PackageTest
#   runs the zsh completion.
# prometheus (with promtool): `promtool test rules` on deploy/prometheus and a real Prometheus scraping a lab
#   daemon (MonitoringTest); installed without its recommends (no node exporter: another service), and its
#   own service disabled below.
# tmux: `xdprecon top` is tested in a real terminal (send-keys, capture-pane).
# fontconfig, fonts-dejavu-core: the benchmarks draw their charts (PNG) through headless AWT, which needs a font.
packages=(clang llvm linux-libc-dev libbpf-dev bpftool dpdk libdpdk-dev dpdk-dev
          iproute2 tcpdump ethtool kmod procps gnupg systemd systemd-container nftables iputils-ping
          prometheus tmux fontconfig fonts-dejavu-core asciidoctor lintian zsh)
without_recommends=(prometheus)
command -v mvn >/dev/null || packages+=(maven)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
  [[ $status == ii* ]] || missing+=("$p")
done

if (( ${#missing[@]} )); then
  echo "setup.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt_opts=(-q -o DPkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0)
  for attempt in 1 2 3; do
    apt-get "${apt_opts[@]}" update </dev/null && break
    (( attempt < 3 )) || die "apt-get update failed 3 times"
    echo "setup.sh: apt-get update failed, retrying in 10 s" >&2; sleep 10
  done
  plain=() lean=()
  for p in "${missing[@]}"; do
    if [[ " ${without_recommends[*]} " == *" $p "* ]]; then lean+=("$p"); else plain+=("$p"); fi
  done
  (( ${#plain[@]} == 0 )) || apt-get "${apt_opts[@]}" install -y "${plain[@]}" </dev/null
  (( ${#lean[@]} == 0 )) || apt-get "${apt_opts[@]}" install -y --no-install-recommends "${lean[@]}" </dev/null
else
  echo "setup.sh: packages present"
fi
# The tests start their own Prometheus (a lab or loopback address, a temporary data dir); the package's
# service must neither run nor start at boot on a development or CI machine.
if [[ -d /run/systemd/system ]]; then
  systemctl disable --now prometheus.service >/dev/null 2>&1 || true
else
  systemctl disable prometheus.service >/dev/null 2>&1 || true
fi

# --- kernel --------------------------------------------------------------------------------------
[[ -r /sys/kernel/btf/vmlinux ]] \
  || die "kernel BTF missing (/sys/kernel/btf/vmlinux): need a kernel built with CONFIG_DEBUG_INFO_BTF=y"

if ! mountpoint -q /sys/fs/bpf; then
  mount -t bpf bpf /sys/fs/bpf || die "cannot mount the bpffs at /sys/fs/bpf"
  echo "setup.sh: mounted bpffs at /sys/fs/bpf"
fi
fstype=$(stat -f -c %T /sys/fs/bpf)
[[ $fstype == bpf_fs ]] || die "/sys/fs/bpf is a mount point of type '$fstype', not bpf_fs"

# --- JDK -----------------------------------------------------------------------------------------
# shellcheck source=env.sh
. "$here/env.sh"
"$JAVA_HOME/bin/java" -version 2>&1 | head -1 | sed 's/^/setup.sh: java: /'
echo "setup.sh: use  export JAVA_HOME=$JAVA_HOME PATH=\$JAVA_HOME/bin:\$PATH"

# --- build ---------------------------------------------------------------------------------------
if (( build )); then
  echo "setup.sh: building (mvn -B -q install -DskipTests)"
  start=$SECONDS
  (cd "$XDPRECON_ROOT" && mvn -B -q install -DskipTests)
  echo "setup.sh: built in $((SECONDS - start)) s"
fi
