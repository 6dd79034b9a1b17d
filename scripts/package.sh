#!/usr/bin/env bash
# Builds the Debian package dist/xdprecon_<version>_amd64.deb, which runs on a node with no JDK:
#   ./scripts/package.sh             build (mvn package, no tests), then package
#   ./scripts/package.sh --no-build  package what the last build left in reconciler/target
# The package holds a Java runtime made by jlink (only the modules the jars use), the jars and an AOT cache
# trained on that runtime (/usr/lib/xdprecon), the launcher /usr/bin/xdprecon, the systemd unit, the env file
# /etc/xdprecon/xdprecon.env (a conffile), bash and zsh completion (picocli's AutoComplete), a man page per
# command (picocli's ManPageGenerator + asciidoctor), README, examples and copyright under
# /usr/share/doc/xdprecon. Then lintian checks it: any error fails the script.
# Needs JDK 25 (jlink, jdeps), dpkg-deb, asciidoctor and lintian: scripts/setup.sh installs them. Not root.
set -euo pipefail

usage() { sed -n '2,4s/^# \{0,1\}//p' "$0"; }
build=1
for arg in "$@"; do
  case "$arg" in
    --no-build) build=0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "package.sh: unknown argument '$arg'" >&2; usage >&2; exit 2 ;;
  esac
done
die() { echo "package.sh: $*" >&2; exit 1; }
step() { echo "package.sh: [$SECONDS s] $*"; }
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
# shellcheck source=env.sh
. "$here/env.sh"
root=$XDPRECON_ROOT
for tool in dpkg-deb asciidoctor lintian; do
  command -v "$tool" >/dev/null || die "$tool is missing: run sudo $root/scripts/setup.sh --no-build"
done

if (( build )); then
  step "building (mvn -B -q -DskipTests package)"
  (cd "$root" && mvn -B -q -DskipTests package)
fi
target=$root/reconciler/target
props=$target/classes/io/xdprecon/cli/build.properties
[[ -f $props && -s $target/runtime.classpath ]] || die "no build in $target: run without --no-build"
prop() { sed -n "s/^$1=//p" "$props"; }
version=$(prop version) commit=$(prop commit) commits=$(prop commits)
jar=$target/xdprecon-reconciler-$version.jar
[[ -f $jar ]] || die "$jar is missing: run without --no-build"

# A snapshot's package version sorts by its commit count, below the release: 0.1.0~dev112+g07218da2fab3.
if [[ $version == *-SNAPSHOT ]]; then
  id=${commit%-dirty}
  debversion="${version%-SNAPSHOT}~dev$commits+g${id:0:12}"
  [[ $commit == *-dirty ]] && debversion+=.dirty
else
  debversion=$version
fi
deb=$root/dist/xdprecon_${debversion}_amd64.deb

work=$(mktemp -d "${TMPDIR:-/tmp}/xdprecon-package.XXXXXX")
trap 'rm -rf "$work"' EXIT
stage=$work/stage
lib=$stage/usr/lib/xdprecon
doc=$stage/usr/share/doc/xdprecon
mkdir -p "$lib/lib" "$stage/usr/bin" "$stage/lib/systemd/system" "$stage/etc/xdprecon" "$doc/examples" \
  "$stage/usr/share/man/man1" "$stage/usr/share/bash-completion/completions" "$stage/usr/share/zsh/vendor-completions" \
  "$stage/DEBIAN"

# --- jars ----------------------------------------------------------------------------------------
IFS=: read -r -a deps < "$target/runtime.classpath" || true # the file has no final newline
cp "$jar" "$lib/lib/xdprecon-reconciler.jar"
classpath=/usr/lib/xdprecon/lib/xdprecon-reconciler.jar
for dep in "${deps[@]}"; do
  [[ -f $dep ]] || die "$dep is missing: run without --no-build"
  name=$(basename "$dep")
  cp "$dep" "$lib/lib/$name"
  classpath+=:/usr/lib/xdprecon/lib/$name
  # every shipped jar has its license in the copyright file
  covered=0
  while read -r pattern; do
    # shellcheck disable=SC2053 # the pattern is a glob on purpose
    [[ usr/lib/xdprecon/lib/$name == $pattern ]] && covered=1 && break
  done < <(sed -n 's/^\(Files:\)\{0,1\} *\(usr\/lib\/xdprecon\/lib\/[^ ]*\)$/\2/p' "$root/packaging/deb/copyright")
  (( covered )) || die "$name has no license in packaging/deb/copyright: add it there"
done
stagecp=${classpath//\/usr\/lib\/xdprecon/$lib}

# --- Java runtime --------------------------------------------------------------------------------
# The modules the jars need (jdeps), less two that only optional code paths use: java.desktop (java.beans
# for Jackson's and SnakeYAML's bean support, which the config loader does not use; it would also bring AWT
# and its X11 libraries) and java.compiler (Error Prone's annotations). jdk.crypto.ec for SSH/TLS keys.
step "jdeps + jlink"
modules=$("$JAVA_HOME/bin/jdeps" --list-deps --ignore-missing-deps --multi-release 25 --class-path "${stagecp}" \
  "$lib/lib/xdprecon-reconciler.jar" | awk '$1 ~ /^(java|jdk)\./ && $1 !~ /^(java\.desktop|java\.compiler)$/ {print $1}' \
  | cut -d/ -f1 | sort -u | paste -sd, -)
modules+=,jdk.crypto.ec
"$JAVA_HOME/bin/jlink" --add-modules "$modules" --no-header-files --no-man-pages --compress=zip-6 \
  --output "$lib/runtime"
# Only bin/java is used; the other launchers of these modules (keytool, jwebserver, rmiregistry) go.
find "$lib/runtime/bin" -type f ! -name java -delete
# Stripped as dh_strip would (symbols, comments and notes); the legal notices readable like any file.
find "$lib/runtime" -type f \( -name '*.so' -o -path '*/bin/*' -o -name jexec -o -name jspawnhelper \) \
  -exec strip --remove-section=.comment --remove-section=.note --strip-unneeded {} +
find "$lib/runtime/legal" -type f -exec chmod 0644 {} +

# --- launcher and AOT cache ----------------------------------------------------------------------
cat > "$stage/usr/bin/xdprecon" <<LAUNCHER
#!/bin/sh
# xdprecon $debversion: the CLI and daemon on the Java runtime bundled in /usr/lib/xdprecon.
# Extra JVM flags: XDPRECON_JAVA_OPTS (the unit sets it from /etc/xdprecon/xdprecon.env).
# The AOT cache was trained at packaging time on this runtime and these jars; should it not fit, the JVM
# runs without it.
lib=/usr/lib/xdprecon
# Two malloc arenas, not up to 8 per core: the JVM allocates natively little (~40 MB less RSS, bench.sh scale).
MALLOC_ARENA_MAX=\${MALLOC_ARENA_MAX:-2}
export MALLOC_ARENA_MAX
# shellcheck disable=SC2086 # XDPRECON_JAVA_OPTS is a list of words
exec "\$lib/runtime/bin/java" --enable-native-access=ALL-UNNAMED -XX:AOTCache="\$lib/xdprecon.aot" -Xlog:aot=off \\
  -Xlog:cds=off \${XDPRECON_JAVA_OPTS:-} -cp "$classpath" io.xdprecon.cli.Main "\$@"
LAUNCHER
chmod 0755 "$stage/usr/bin/xdprecon"
step "AOT cache"
# trained where it will run from the same relative layout (the JVM accepts a relocated runtime and class path), on
# what a daemon's cold start walks before its first write (io.xdprecon.cli.AotTraining, as the checkout's launcher)
"$lib/runtime/bin/java" --enable-native-access=ALL-UNNAMED -XX:AOTCacheOutput="$lib/xdprecon.aot" -Xlog:aot=off \
  -Xlog:cds=off -cp "$stagecp" io.xdprecon.cli.AotTraining >"$work/aot.log" 2>&1 || true
[[ -s $lib/xdprecon.aot ]] || die "the AOT cache was not made: $(cat "$work/aot.log")"
"$lib/runtime/bin/java" --enable-native-access=ALL-UNNAMED -XX:AOTCache="$lib/xdprecon.aot" -XX:AOTMode=on \
  -Xlog:aot=off -Xlog:cds=off -cp "$stagecp" io.xdprecon.cli.Main --version >/dev/null \
  || die "the AOT cache does not load on the runtime it was made with"

# --- man pages and completion (picocli's generators, on the build JDK) ---------------------------
step "man pages and completion"
# picocli-codegen beside picocli in the local Maven repository (runtime.classpath has the build's copy of picocli)
picocli=$(tr : '\n' < "$target/dependencies.classpath" | grep '/picocli-[0-9.]*\.jar$')
picocli_version=$(basename "$picocli" .jar)
picocli_version=${picocli_version#picocli-}
codegen=$(dirname "$(dirname "$picocli")")/../picocli-codegen/$picocli_version/picocli-codegen-$picocli_version.jar
if [[ ! -f $codegen ]]; then
  codegen=$work/picocli-codegen-$picocli_version.jar
  (cd "$root" && mvn -B -q dependency:copy -Dartifact="info.picocli:picocli-codegen:$picocli_version" \
    -DoutputDirectory="$work") || die "cannot get picocli-codegen $picocli_version"
fi
"$JAVA_HOME/bin/java" -cp "$stagecp:$codegen" picocli.codegen.docgen.manpage.ManPageGenerator --exit \
  -d "$work/adoc" 'io.xdprecon.cli.Main$AllCommands'
asciidoctor --backend=manpage --destination-dir="$work/man" "$work"/adoc/*.adoc
for page in "$work"/man/*.1; do
  gzip -9n < "$page" > "$stage/usr/share/man/man1/$(basename "$page").gz"
done
"$JAVA_HOME/bin/java" -Dpicocli.autocomplete.systemExitOnError -cp "$stagecp" picocli.AutoComplete --force \
  -n xdprecon -o "$work/completion" 'io.xdprecon.cli.Main$AllCommands'
# bash-completion sources the file: no interpreter line
sed '1{/^#!/d}' "$work/completion" > "$stage/usr/share/bash-completion/completions/xdprecon"
chmod 0644 "$stage/usr/share/bash-completion/completions/xdprecon"
install -m 0644 "$root/packaging/deb/_xdprecon" "$stage/usr/share/zsh/vendor-completions/_xdprecon"

# --- systemd, env file, docs ---------------------------------------------------------------------
install -m 0644 "$root/systemd/xdprecon.service" "$stage/lib/systemd/system/xdprecon.service"
chmod 0750 "$stage/etc/xdprecon"
install -m 0640 "$root/systemd/xdprecon.env" "$stage/etc/xdprecon/xdprecon.env"
install -m 0644 "$root/README.md" "$doc/README.md"
install -m 0644 "$root/packaging/deb/copyright" "$doc/copyright"
install -D -m 0644 "$root/packaging/deb/lintian-overrides" "$stage/usr/share/lintian/overrides/xdprecon"
install -m 0644 "$root/examples/flows.yaml" "$root/examples/README.md" "$doc/examples/"
install -m 0644 "$root/schema/flows.schema.json" "$doc/examples/flows.schema.json"
date=$(date -u -R)
gzip -9n > "$doc/changelog.gz" <<CHANGELOG
xdprecon ($debversion) unstable; urgency=medium

  * Built from commit ${commit:0:12}${commit#"${commit%-dirty}"} on $(prop date).

 -- xdprecon maintainers <xdprecon@example.org>  $date
CHANGELOG

# --- control ---------------------------------------------------------------------------------------
echo /etc/xdprecon/xdprecon.env > "$stage/DEBIAN/conffiles"
install -m 0755 "$root/packaging/deb/postinst" "$root/packaging/deb/prerm" "$root/packaging/deb/postrm" "$stage/DEBIAN/"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat > "$stage/DEBIAN/control" <<CONTROL
Package: xdprecon
Version: $debversion
Architecture: amd64
Maintainer: xdprecon maintainers <xdprecon@example.org>
Installed-Size: $size
Depends: libc6, libbpf1 (>= 1:1.0), libsystemd0, iproute2
Recommends: librte-eal23, librte-ethdev23, librte-mbuf23, librte-mempool23, librte-mempool-ring23, librte-net-af-xdp23
Section: net
Priority: optional
Description: declarative XDP datapath for UDP relays, reconciled from Git
 Edge nodes that relay UDP (RTP/VoIP, game and TURN/QUIC relays) rewrite the
 IP/UDP headers of every packet. xdprecon keeps known flows in the kernel: an
 XDP program rewrites and forwards them with rules held in pinned BPF maps, and
 only the first packet of a new session reaches userspace (DPDK's AF_XDP PMD,
 with the DPDK libraries this package recommends).
 .
 The rules are declared in a YAML file kept in Git; xdprecon plans and applies
 the difference, and its daemon (a systemd unit) keeps the node converged.
 .
 The package brings its own Java runtime: no JDK is needed on the node.
CONTROL
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) \
  > "$stage/DEBIAN/md5sums"

step "dpkg-deb"
mkdir -p "$root/dist"
rm -f "$deb"
# gzip: a seventh of xz's time for 7 % more bytes (most of the package is compressed already: jars, the
# runtime's modules); Debian 12's lintian refuses zstd.
dpkg-deb --root-owner-group -Zgzip -z6 --build "$stage" "$deb" >/dev/null
step "lintian"
lintian --fail-on error "$deb" \
  || die "lintian found errors in $deb"
step "$(du -h "$deb" | cut -f1) $deb"
echo "$deb"
