#!/usr/bin/env bash
# setup-buildkit.sh - a private BuildKit (Debian sid docker.io + docker-buildx) on a Debian 12 machine, without system Docker.
#
#   scripts/setup-buildkit.sh setup         fetch + unpack Debian sid docker.io/docker-cli/docker-buildx, and debootstrap
#                                           the smoke base rootfs (minbase + gcc, make; tarball cached in the state dir)
#   scripts/setup-buildkit.sh start         start a private dockerd (no bridge, no iptables)
#   scripts/setup-buildkit.sh base          import the smoke base rootfs as stagewright/smoke-base:bookworm (and make its runtime
#                                           flavour stagewright/smoke-runtime:bookworm: the toolchain purged), and the cross
#                                           rootfs (the same + gcc-aarch64-linux-gnu) as stagewright/smoke-cross:bookworm
#                                           (needs a running dockerd; debootstraps first when a tarball is not cached)
#   scripts/setup-buildkit.sh stop          stop the dockerd that `start` started (by its PID)
#   scripts/setup-buildkit.sh check [--platform P]... [--build-arg K=V]... <Dockerfile>...
#                                           `docker build --check` each file (for each --platform, with P's TARGET* ARGs);
#                                           exit 1 on any warning or error (starts and stops dockerd itself when it is not
#                                           already running)
#   scripts/setup-buildkit.sh status        exit 0 when set up and dockerd is running, else 3
#   scripts/setup-buildkit.sh env           print DOCKER_HOST=, DOCKER_CONFIG=, DOCKER= (the CLI), STATE= and PIDFILE= of this checkout
#
# Two kinds of state. The cache (STAGEWRIGHT_BUILDKIT_HOME, default /tmp/stagewright-buildkit: the sid binaries and
# the smoke base tarball) is shared by every checkout on the machine and read-only once made; `setup` creates it
# under a lock (.setup.lock), and each part appears by a rename, complete or not at all. The daemon (its data and
# exec roots, socket, pid file, log, docker config) belongs to one checkout (STAGEWRIGHT_BUILDKIT_STATE, default
# /tmp/stagewright-buildkit-<12 hex of the checkout's path>), so two checkouts' test runs never share or stop each
# other's dockerd. start/stop hold the state's lock; a pid file whose dockerd is alive is never deleted, and `stop`
# finds its dockerd by its command line (--pidfile of this state) when the pid file is gone.
#
# Why sid: bookworm's docker.io is 20.10 (BuildKit 0.8: no `--check`, rejects `RUN <<EOF`), and bookworm has
# no docker-buildx. Debian sid's docker.io 28.x + docker-buildx 0.29.x run on bookworm's libc, containerd and
# runc. Their .debs are fetched with a private APT_CONFIG (own sources, lists, cache, status; the system's
# apt sources are untouched) from the Debian mirror this machine's apt already uses, then unpacked with
# `dpkg-deb -x`. Nothing is installed into the system except, when missing, bookworm's containerd and runc.
#
# `check` needs every FROM image locally (nothing can be pulled here): each external image a Dockerfile
# names (FROM, resolved with the global ARG defaults and the check's build args, and COPY --from=<image ref>)
# that is not really loaded is given as a named context (`--build-context <ref>=docker-image://stagewright-stub:latest`),
# a stub imported from an empty tar with CUDA-like ENV (only the image config matters for --check). The file is
# checked as written: a digest-pinned reference (`ghcr.io/astral-sh/uv:0.9.7@sha256:...`) keeps its digest (the
# context is keyed by the whole reference), and no image is tagged under a real name. Each substitution is printed
# (`stub <file> [<platform>]: <ref> = docker-image://stagewright-stub:latest`). A `# syntax=` directive would make
# BuildKit pull the docker/dockerfile frontend image, so the checked copy has that one line blanked (line numbers
# unchanged).
#
# `base` is the base image of the smoke recipe (recipes/smoke.ts), which test/build builds for real: Debian
# minbase plus gcc, libc6-dev and make, made with debootstrap from the same Debian mirror (the only host these
# builds ever contact, and only here, at setup). The rootfs tarball is cached under the state folder; `base`
# imports it with `docker import`, labelled with the tarball's name, size and mtime so a re-import happens only
# when the tarball changes. Builds of it run with `docker build --network=host` (there is no bridge).
# The cross image (recipes/smoke-cross.ts) is the same minbase plus Debian's gcc-aarch64-linux-gnu and
# libc6-dev-arm64-cross: an amd64 image whose gcc writes arm64 ELF files, for `FROM --platform=$BUILDPLATFORM`.
#
# `check --platform P`: BuildKit's lint request (`--check`) evaluates the Dockerfile for the daemon's own platform
# whatever --platform says (the frontend's lint handler sets no target platform; moby/buildkit#5693). So the
# check for P passes P's automatic ARGs as build args (TARGETPLATFORM, TARGETOS, TARGETARCH, TARGETVARIANT: the
# values BuildKit sets for P), which BuildKit's defaultArgs lets a build arg replace; every ARG, FROM and expansion
# is then evaluated as for P, and the images are resolved for the daemon's platform (the stub is of that platform).
# One `docker build --check` per platform and file (the docker driver refuses multi-platform builds).
#
# Environment:
#   STAGEWRIGHT_BUILDKIT_HOME   the shared cache (default /tmp/stagewright-buildkit)
#   STAGEWRIGHT_BUILDKIT_STATE  this checkout's daemon state (default /tmp/stagewright-buildkit-<hash of the checkout>)
#   STAGEWRIGHT_STUB_ENV        newline-separated K=V for stub images (default: CUDA-like, see below)
#   STAGEWRIGHT_DEBIAN_MIRROR   Debian mirror URL (default: the first .../debian URI of the system's apt)
#   STAGEWRIGHT_BASE_SUITE      Debian suite of the smoke base (default bookworm)
# Exit status: 0 ok; 1 a check found a warning or an error; 2 usage; 3 setup/daemon unavailable.
set -euo pipefail

SW_HOME=${STAGEWRIGHT_BUILDKIT_HOME:-/tmp/stagewright-buildkit}
APT_DIR=$SW_HOME/apt-sid
ROOT=$SW_HOME/sid-root
BUILDX=$ROOT/usr/libexec/docker/cli-plugins/docker-buildx
CHECKOUT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
STATE=${STAGEWRIGHT_BUILDKIT_STATE:-/tmp/stagewright-buildkit-$(printf '%s' "$CHECKOUT" | sha256sum | cut -c1-12)}
DOCKER_CONFIG_DIR=$STATE/docker-config
DAEMON_DIR=$STATE/daemon
SOCK=$DAEMON_DIR/docker.sock
PIDFILE=$DAEMON_DIR/dockerd.pid
STUB_LABEL=dev.stagewright.stub
OFFLINE_PROXY=http://127.0.0.1:9
DEFAULT_STUB_ENV='PATH=/usr/local/nvidia/bin:/usr/local/cuda/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
LD_LIBRARY_PATH=/usr/local/nvidia/lib:/usr/local/nvidia/lib64
LIBRARY_PATH=/usr/local/cuda/lib64/stubs
CUDA_VERSION=12.9.1
NVIDIA_VISIBLE_DEVICES=all
NVIDIA_DRIVER_CAPABILITIES=compute,utility
NVIDIA_REQUIRE_CUDA=cuda>=12.9'
STUB_ENV=${STAGEWRIGHT_STUB_ENV:-$DEFAULT_STUB_ENV}
BASE_SUITE=${STAGEWRIGHT_BASE_SUITE:-bookworm}
BASE_PACKAGES=gcc,libc6-dev,make
BASE_IMAGE=stagewright/smoke-base:$BASE_SUITE
BASE_LABEL=dev.stagewright.smoke-base
BASE_DIR=$SW_HOME/base
BASE_TAR=$BASE_DIR/$BASE_SUITE-minbase-${BASE_PACKAGES//,/-}.tar
# The runtime flavour of the smoke base: the same rootfs with the toolchain purged (every package that is not
# Priority required, apt and what it needs kept), the way a CUDA runtime image lacks the devel image's toolkit.
RUNTIME_IMAGE=stagewright/smoke-runtime:$BASE_SUITE
CROSS_PACKAGES=$BASE_PACKAGES,gcc-aarch64-linux-gnu,libc6-dev-arm64-cross
CROSS_IMAGE=stagewright/smoke-cross:$BASE_SUITE
CROSS_TAR=$BASE_DIR/$BASE_SUITE-minbase-${CROSS_PACKAGES//,/-}.tar
BASE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

log() { printf '[setup-buildkit] %s\n' "$*" >&2; }
die() { log "$*"; exit 3; }
usage() { sed -n '2,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }

debian_mirror() {
  local u=''
  if compgen -G '/etc/apt/sources.list.d/*.sources' >/dev/null; then
    u=$(awk '/^URIs:/ {for (i = 2; i <= NF; i++) print $i}' /etc/apt/sources.list.d/*.sources | grep -E '/debian/?$' | head -n 1 || true)
  fi
  if [ -z "$u" ] && [ -f /etc/apt/sources.list ]; then
    u=$(awk '$1 == "deb" {print ($2 ~ /^\[/) ? $3 : $2}' /etc/apt/sources.list | grep -E '/debian/?$' | head -n 1 || true)
  fi
  printf '%s\n' "$u"
}

# ------------------------------------------------------------------------------------------ setup
ensure_system_pkgs() { # bookworm packages from the system apt: containerd + runc (dockerd runs its own managed containerd with them), debootstrap
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]} (bookworm, system apt)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

fetch_sid_debs() {
  local mirror=${STAGEWRIGHT_DEBIAN_MIRROR:-$(debian_mirror)}
  [ -n "$mirror" ] || die "no Debian mirror found in the system's apt sources; set STAGEWRIGHT_DEBIAN_MIRROR"
  mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial" "$APT_DIR/debs" "$APT_DIR/empty.d"
  printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s sid main\n' "$mirror" >"$APT_DIR/sources.list"
  : >"$APT_DIR/status"
  cat >"$APT_DIR/apt.conf" <<EOF
Dir::Etc::SourceList "$APT_DIR/sources.list";
Dir::Etc::SourceParts "$APT_DIR/empty.d";
Dir::Etc::Preferences "$APT_DIR/preferences";
Dir::Etc::PreferencesParts "$APT_DIR/empty.d";
Dir::State::Lists "$APT_DIR/lists";
Dir::State::status "$APT_DIR/status";
Dir::Cache "$APT_DIR/cache";
APT::Sandbox::User "root";
Acquire::Languages "none";
EOF
  log "apt-get update with a private APT_CONFIG (sid main from $mirror)"
  APT_CONFIG=$APT_DIR/apt.conf apt-get update -qq
  rm -f "$APT_DIR"/debs/*.deb
  log "apt-get download docker.io docker-cli docker-buildx (sid)"
  (cd "$APT_DIR/debs" && APT_CONFIG=$APT_DIR/apt.conf apt-get download -qq docker.io docker-cli docker-buildx)
  ls -1 "$APT_DIR/debs" >&2
}

cmd_setup() {
  mkdir -p "$SW_HOME"
  exec 8>"$SW_HOME/.setup.lock"
  flock -x 8
  ensure_system_pkgs containerd runc debootstrap
  if [ ! -x "$ROOT/usr/sbin/dockerd" ] || [ ! -x "$ROOT/usr/bin/docker" ] || [ ! -x "$BUILDX" ]; then
    fetch_sid_debs
    rm -rf "$ROOT.tmp" && mkdir -p "$ROOT.tmp"
    local d
    for d in "$APT_DIR"/debs/*.deb; do dpkg-deb -x "$d" "$ROOT.tmp"; done
    rm -rf "$ROOT" && mv "$ROOT.tmp" "$ROOT"
  fi
  "$ROOT/usr/sbin/dockerd" --version >&2 || die "the unpacked sid dockerd does not run here"
  docker_env
  dk --version >&2
  dk buildx version >&2 || die "docker-buildx plugin not usable"
  ensure_base_tar
  exec 8>&-
}

# ------------------------------------------------------------------------------------------ base
ensure_base_tar() { # the smoke base and cross rootfs tarballs (debootstrap once each; cached); caller holds the setup lock
  ensure_rootfs_tar "$BASE_TAR" "$BASE_PACKAGES"
  ensure_rootfs_tar "$CROSS_TAR" "$CROSS_PACKAGES"
}

ensure_rootfs_tar() { # TAR PACKAGES: a debootstrap minbase rootfs with PACKAGES as a tarball
  local tar=$1 packages=$2
  if [ -s "$tar" ]; then log "rootfs cached: $tar"; return 0; fi
  ensure_system_pkgs debootstrap
  local mirror=${STAGEWRIGHT_DEBIAN_MIRROR:-$(debian_mirror)} rootfs=$BASE_DIR/rootfs.tmp keyring=()
  [ -n "$mirror" ] || die "no Debian mirror found in the system's apt sources; set STAGEWRIGHT_DEBIAN_MIRROR"
  [ -f /usr/share/keyrings/debian-archive-keyring.gpg ] && keyring=(--keyring=/usr/share/keyrings/debian-archive-keyring.gpg)
  mkdir -p "$BASE_DIR"
  rm -rf "$rootfs"
  log "debootstrap --variant=minbase --include=$packages $BASE_SUITE from $mirror (log: $BASE_DIR/debootstrap.log)"
  if ! debootstrap "${keyring[@]}" --variant=minbase --include="$packages" "$BASE_SUITE" "$rootfs" "$mirror" >"$BASE_DIR/debootstrap.log" 2>&1; then
    tail -n 5 "$BASE_DIR/debootstrap.log" >&2
    rm -rf "$rootfs"
    die "debootstrap failed"
  fi
  # No .debs, apt lists, docs, man pages or translations in the image (a smaller tarball imports faster).
  rm -rf "${rootfs:?}"/var/cache/apt/archives/*.deb "${rootfs:?}"/var/lib/apt/lists/* \
    "${rootfs:?}"/usr/share/doc/* "${rootfs:?}"/usr/share/man/* "${rootfs:?}"/usr/share/info/* "${rootfs:?}"/usr/share/locale/*
  tar --numeric-owner -C "$rootfs" -cf "$tar.tmp" .
  mv "$tar.tmp" "$tar"
  rm -rf "$rootfs"
  log "rootfs: $tar ($(du -m "$tar" | cut -f1) MB)"
}

import_rootfs() { # TAR IMAGE: docker import, skipped when IMAGE already carries this tarball's identity
  local tar=$1 image=$2 ident
  ident="$(basename "$tar"):$(stat -c '%s:%Y' "$tar")"
  if [ "$(dk image inspect -f "{{ index .Config.Labels \"$BASE_LABEL\" }}" "$image" 2>/dev/null || true)" = "$ident" ]; then
    log "$image is imported ($ident)"
    return 0
  fi
  log "docker import $tar as $image"
  dk import --change "ENV PATH=$BASE_PATH" --change "LABEL $BASE_LABEL=$ident" "$tar" "$image" >/dev/null
}

make_runtime_flavour() { # RUNTIME_IMAGE from BASE_IMAGE: toolchain purged offline, flattened (export | import)
  local ident cid
  ident="$(basename "$BASE_TAR"):$(stat -c '%s:%Y' "$BASE_TAR"):runtime"
  if [ "$(dk image inspect -f "{{ index .Config.Labels \"$BASE_LABEL\" }}" "$RUNTIME_IMAGE" 2>/dev/null || true)" = "$ident" ]; then
    log "$RUNTIME_IMAGE is made ($ident)"
    return 0
  fi
  log "making $RUNTIME_IMAGE: $BASE_IMAGE without ${BASE_PACKAGES//,/ } and what only they need"
  # Removal needs no network: mark every package but the required ones (and apt) automatic, purge the toolchain with
  # what becomes unneeded, and check that no compiler is left.
  local purge pkgs
  purge=$(cat <<'SH'
dpkg-query -W -f='${Package} ${Priority}\n' | awk '$2 != "required" && $1 != "apt" {print $1}' | xargs -r apt-mark auto >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq --auto-remove "$@" >/dev/null
rm -rf /var/cache/apt/* /var/lib/apt/lists/*
for t in cc gcc make; do if command -v "$t" >/dev/null; then echo "$t is left after the purge" >&2; exit 1; fi; done
for t in ldd ldconfig awk readlink; do command -v "$t" >/dev/null; done
SH
)
  IFS=, read -ra pkgs <<< "$BASE_PACKAGES"
  cid="$(dk create --network none "$BASE_IMAGE" bash -euo pipefail -c "$purge" purge "${pkgs[@]}")"
  if ! dk start -a "$cid" >&2; then dk rm "$cid" >/dev/null; die "making $RUNTIME_IMAGE failed"; fi
  dk export "$cid" | dk import --change "ENV PATH=$BASE_PATH" --change "LABEL $BASE_LABEL=$ident" - "$RUNTIME_IMAGE" >/dev/null
  dk rm "$cid" >/dev/null
}

cmd_base() {
  is_setup || die "not set up: run '$0 setup' first"
  docker_env
  daemon_running || die "dockerd is not running: run '$0 start' first"
  if [ ! -s "$BASE_TAR" ]; then # made once, under the cache's lock; then only read
    mkdir -p "$SW_HOME"
    exec 8>"$SW_HOME/.setup.lock"
    flock -x 8
    ensure_base_tar
    exec 8>&-
  fi
  exec 7>"$STATE/.base.lock" # one import at a time into this checkout's daemon
  flock -x 7
  import_rootfs "$BASE_TAR" "$BASE_IMAGE"
  make_runtime_flavour
  # The cross rootfs is made by `setup` (debootstrap takes minutes; not inside a test's start-up).
  if [ -s "$CROSS_TAR" ]; then import_rootfs "$CROSS_TAR" "$CROSS_IMAGE"; else log "no cross rootfs $CROSS_TAR yet: run '$0 setup' to make it ($CROSS_IMAGE is not imported)"; fi
  exec 7>&-
}

# ------------------------------------------------------------------------------------------ daemon
docker_env() { # this checkout's client config: its own buildx state, the shared buildx binary
  mkdir -p "$DOCKER_CONFIG_DIR/cli-plugins"
  [ -L "$DOCKER_CONFIG_DIR/cli-plugins/docker-buildx" ] || ln -sfn "$BUILDX" "$DOCKER_CONFIG_DIR/cli-plugins/docker-buildx"
  export DOCKER_CONFIG=$DOCKER_CONFIG_DIR DOCKER_HOST=unix://$SOCK
  unset DOCKER_CONTEXT DOCKER_BUILDKIT DOCKER_TLS_VERIFY DOCKER_CERT_PATH
}
dk() { "$ROOT/usr/bin/docker" "$@"; }
is_setup() { [ -x "$ROOT/usr/sbin/dockerd" ] && [ -x "$ROOT/usr/bin/docker" ] && [ -x "$BUILDX" ]; }
# The dockerd of this state: the pid in the pid file when that process is alive and is a dockerd of this
# pid file; otherwise (pid file gone or truncated by someone else) the dockerd whose command line names it.
daemon_pid() {
  local pid='' p
  [ -f "$PIDFILE" ] && pid=$(tr -dc 0-9 <"$PIDFILE")
  if [ -n "$pid" ] && is_our_dockerd "$pid"; then printf '%s\n' "$pid"; return 0; fi
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    if is_our_dockerd "$p"; then printf '%s\n' "$p"; return 0; fi
  done
  return 1
}
is_our_dockerd() {
  local cmd
  cmd=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
  case $cmd in "$ROOT/usr/sbin/dockerd "*"--pidfile $PIDFILE "*) return 0 ;; esac
  return 1
}
daemon_running() {
  local pid
  pid=$(daemon_pid 2>/dev/null) || return 1
  [ -n "$pid" ] && dk version >/dev/null 2>&1
}
lock_state() { mkdir -p "$DAEMON_DIR"; exec 6>"$STATE/.daemon.lock"; flock -x 6; }

cmd_start() {
  is_setup || die "not set up: run '$0 setup' first"
  docker_env
  lock_state
  local pid
  if pid=$(daemon_pid); then
    # Alive: reuse it (it may still be starting); its pid file stays.
    local deadline=$((SECONDS + 60))
    while [ "$SECONDS" -lt "$deadline" ]; do dk version >/dev/null 2>&1 && { log "dockerd already running (pid $pid)"; return 0; }; sleep 0.2; done
    die "dockerd pid $pid of $STATE is alive but does not answer on $SOCK; stop it with '$0 stop'"
  fi
  rm -f "$PIDFILE" # no live dockerd owns it
  log "starting dockerd (sid) on $SOCK"
  # setsid: own session (so the caller's terminal signals do not reach it, and `stop` can name what it runs); the
  # lock fds 6-9 are closed.
  # Offline guard: every registry request (a missing image, a mistyped COPY --from=<stage>) goes to a
  # proxy on 127.0.0.1:9 (discard, nothing listens) and fails there: no DNS lookup, no outside traffic.
  env -u NO_PROXY -u no_proxy -u ALL_PROXY -u all_proxy \
    HTTP_PROXY=$OFFLINE_PROXY HTTPS_PROXY=$OFFLINE_PROXY http_proxy=$OFFLINE_PROXY https_proxy=$OFFLINE_PROXY \
    PATH="$ROOT/usr/sbin:$ROOT/usr/bin:$ROOT/usr/libexec/docker:$PATH" \
    setsid "$ROOT/usr/sbin/dockerd" \
      --data-root "$DAEMON_DIR/root" --exec-root "$DAEMON_DIR/exec" --pidfile "$PIDFILE" \
      -H "unix://$SOCK" --storage-driver=overlay2 \
      --bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
      >"$DAEMON_DIR/dockerd.log" 2>&1 </dev/null 6>&- 7>&- 8>&- 9>&- &
  # Deadlines in wall-clock seconds, not loop counts: on a loaded machine each `sleep` and `docker version` is slow.
  local launcher=$! t0=$SECONDS deadline=$((SECONDS + 60))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if dk version >/dev/null 2>&1; then log "dockerd pid $(daemon_pid) ready after $((SECONDS - t0)) s"; return 0; fi
    kill -0 "$launcher" 2>/dev/null || break
    sleep 0.2
  done
  log "dockerd did not come up; last log lines:"
  tail -n 5 "$DAEMON_DIR/dockerd.log" >&2 || true
  kill "$launcher" 2>/dev/null || true
  exit 3
}

cmd_stop() {
  lock_state
  local pid
  pid=$(daemon_pid) || { log "no dockerd of $STATE is running: nothing to stop"; rm -f "$PIDFILE"; release_netns; return 0; }
  log "stopping dockerd pid $pid"
  kill "$pid"
  local deadline=$((SECONDS + 30))
  while [ "$SECONDS" -lt "$deadline" ] && kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    # SIGKILL leaves dockerd's own containerd behind: stop every process of its session (setsid made one), by PID.
    local p
    log "dockerd $pid still running after 30 s: SIGKILL to it and its session"
    for p in $(pgrep -s "$pid" || true); do kill -9 "$p" 2>/dev/null || true; done
    kill -9 "$pid" 2>/dev/null || true
    deadline=$((SECONDS + 10))
    while [ "$SECONDS" -lt "$deadline" ] && kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  fi
  rm -f "$PIDFILE"
  release_netns
}

cmd_env() {
  docker_env
  printf 'DOCKER_HOST=%s\nDOCKER_CONFIG=%s\nDOCKER=%s\nSTATE=%s\nPIDFILE=%s\n' "$DOCKER_HOST" "$DOCKER_CONFIG" "$ROOT/usr/bin/docker" "$STATE" "$PIDFILE"
}

# `docker run --network=host` makes dockerd bind-mount the host network namespace at exec/netns/default, and
# dockerd leaves that mount behind when it exits (the state folder then cannot be removed). Once our dockerd is
# gone, unmount what it left in its own exec-root.
release_netns() {
  local m
  for m in "$DAEMON_DIR"/exec/netns/*; do
    [ -e "$m" ] || continue
    if mountpoint -q "$m"; then umount "$m" 2>/dev/null || log "could not unmount $m"; fi
  done
}

cmd_status() {
  if is_setup; then docker_env; log "set up in $SW_HOME: $(dk --version); daemon state $STATE"; else log "not set up"; fi
  if [ -s "$BASE_TAR" ]; then log "smoke base rootfs cached: $BASE_TAR"; else log "smoke base rootfs not cached"; fi
  if is_setup && daemon_running; then log "dockerd running, pid $(daemon_pid)"; else log "dockerd not running"; return 3; fi
}

# ------------------------------------------------------------------------------------------ check
# External images a Dockerfile needs: FROM images (not earlier stages, not scratch), resolved with the
# global ARG defaults (or the check's --build-arg values), plus COPY/ADD --from=<ref> that looks like an image
# reference (/, : or @).
list_images() {
  awk -v overrides="$(printf '%s\n' "${CHECK_ARGS[@]}")" '
    BEGIN { n = split(overrides, kvs, "\n"); for (i = 1; i <= n; i++) if (index(kvs[i], "=")) ov[substr(kvs[i], 1, index(kvs[i], "=") - 1)] = substr(kvs[i], index(kvs[i], "=") + 1) }
    function subst(s,   out, m, name, op, word, v) {
      out = ""
      while (match(s, /\$\{[A-Za-z_][A-Za-z0-9_]*(:?[-+][^}]*)?\}|\$[A-Za-z_][A-Za-z0-9_]*/)) {
        m = substr(s, RSTART, RLENGTH); out = out substr(s, 1, RSTART - 1); s = substr(s, RSTART + RLENGTH)
        if (substr(m, 2, 1) == "{") m = substr(m, 3, length(m) - 3); else m = substr(m, 2)
        name = m; op = ""; word = ""
        if (match(m, /:?[-+]/)) { name = substr(m, 1, RSTART - 1); op = substr(m, RSTART, RLENGTH); word = substr(m, RSTART + RLENGTH) }
        v = (name in glob) ? glob[name] : ""
        if (op ~ /-/) out = out ((v != "") ? v : word); else if (op ~ /\+/) out = out ((v != "") ? word : ""); else out = out v
      }
      return out s
    }
    { sub(/\r$/, "") }
    toupper($1) == "ARG" && !seen_from {
      for (i = 2; i <= NF; i++) { kv = $i; n = kv; v = ""; if (index(kv, "=")) { n = substr(kv, 1, index(kv, "=") - 1); v = substr(kv, index(kv, "=") + 1) }
        gsub(/^["\047]|["\047]$/, "", v); glob[n] = (n in ov) ? ov[n] : v }
      next
    }
    toupper($1) == "FROM" {
      seen_from = 1; i = 2; while ($i ~ /^--/) i++
      img = subst($i)
      if (img != "" && img !~ /\$/ && tolower(img) != "scratch" && !(tolower(img) in stage)) print img
      if (toupper($(i + 1)) == "AS" && $(i + 2) != "") stage[tolower($(i + 2))] = 1
      next
    }
    toupper($1) == "COPY" || toupper($1) == "ADD" {
      for (i = 2; i <= NF && $i ~ /^--/; i++) if ($i ~ /^--from=/) { ref = substr($i, 8); if (ref !~ /\$/ && ref ~ /[\/:@]/ && !(tolower(ref) in stage)) print ref }
    }
  ' "$1" | sort -u
}

stub_env_repr() { printf '[%s]' "$(printf '%s\n' "$STUB_ENV" | sed '/^$/d' | paste -sd' ')"; }

STUB_IMAGE=stagewright-stub:latest
ensure_stub_base() { # the stub image itself: an empty layer with STUB_ENV, labelled, for the daemon's own platform
  if dk image inspect "$STUB_IMAGE" >/dev/null 2>&1 &&
     [ "$(dk image inspect -f '{{ .Config.Env }}' "$STUB_IMAGE")" = "$(stub_env_repr)" ]; then return 0; fi
  local changes=() line
  while IFS= read -r line; do [ -n "$line" ] && changes+=(--change "ENV $line"); done <<<"$STUB_ENV"
  changes+=(--change "LABEL $STUB_LABEL=1")
  mkdir -p "$STATE/stub/empty"
  tar -C "$STATE/stub/empty" -cf "$STATE/stub/empty.tar" .
  dk import "${changes[@]}" "$STATE/stub/empty.tar" "$STUB_IMAGE" >/dev/null
}

is_real_image() { # a loaded image under this name that is no stub (a stub tag of an older version of this script is none)
  dk image inspect "$1" >/dev/null 2>&1 &&
    [ -z "$(dk image inspect -f "{{ index .Config.Labels \"$STUB_LABEL\" }}" "$1" 2>/dev/null)" ]
}

# The automatic platform ARGs BuildKit sets for a target platform (defaultArgs in the Dockerfile frontend's
# dockerfile2llb/platform.go); linux/amd64 and linux/arm64 have no variant.
platform_args() { printf 'TARGETPLATFORM=%s\nTARGETOS=%s\nTARGETARCH=%s\nTARGETVARIANT=\n' "$1" "${1%%/*}" "${1#*/}"; }

CHECK_PLATFORM='' CHECK_ARGS=()
check_one() { # prints the stubbed images and the verdict; returns 0 pass, 1 warnings/errors
  local df=$1 work=$2 copy out rc t0 t1 ref
  copy=$work/$(basename "$df")
  awk 'BEGIN { d = 1 }
       d && /^#[ \t]*[A-Za-z]+[ \t]*=/ { if (tolower($0) ~ /^#[ \t]*syntax[ \t]*=/) { print "#"; next } print; next }
       { d = 0; print }' "$df" >"$copy"
  # Each external image that is not really loaded becomes a named context on the stub: the Dockerfile is
  # checked as written (a digest-pinned reference keeps its digest), and nothing under a real name changes.
  local contexts=() stubbed=()
  while IFS= read -r ref; do
    [ -n "$ref" ] || continue
    is_real_image "$ref" && continue
    contexts+=(--build-context "$ref=docker-image://$STUB_IMAGE")
    stubbed+=("$ref")
  done < <(list_images "$copy")
  t0=$(date +%s%N)
  set +e
  local platform_flag=() label=''
  if [ -n "$CHECK_PLATFORM" ]; then platform_flag=(--platform "$CHECK_PLATFORM"); label=" $CHECK_PLATFORM"; fi
  out=$(cd "$work" && dk build --check --progress=quiet "${platform_flag[@]}" "${CHECK_ARGS[@]/#/--build-arg=}" "${contexts[@]}" -f "$copy" "$work/context" 2>&1)
  rc=$?
  set -e
  t1=$(date +%s%N)
  out=${out//"$copy"/"$df"}
  for ref in "${stubbed[@]}"; do echo "stub $df$label: $ref = docker-image://$STUB_IMAGE"; done
  [ -n "$out" ] && printf '%s\n' "$out" | sed '/./,$!d'
  local secs
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
  if [ $rc -eq 0 ]; then echo "PASS $df$label (${secs}s)"; return 0; fi
  if printf '%s\n' "$out" | grep -q '^ERROR'; then echo "FAIL $df$label: error (${secs}s)"
  else echo "FAIL $df$label: lint warnings (${secs}s)"; fi
  return 1
}

CHECK_BUILD_ARGS=()
CHECK_PLATFORMS=()
cmd_check() {
  while [ $# -gt 0 ]; do
    case $1 in
      --platform) [ $# -ge 2 ] || usage; CHECK_PLATFORMS+=("$2"); shift 2 ;;
      --platform=*) CHECK_PLATFORMS+=("${1#--platform=}"); shift ;;
      --build-arg) [ $# -ge 2 ] || usage; CHECK_BUILD_ARGS+=("$2"); shift 2 ;;
      --build-arg=*) CHECK_BUILD_ARGS+=("${1#--build-arg=}"); shift ;;
      --) shift; break ;;
      -*) log "unknown option $1"; usage ;;
      *) break ;;
    esac
  done
  local kv
  for kv in "${CHECK_BUILD_ARGS[@]}"; do [[ $kv =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || { log "--build-arg $kv: expected NAME=VALUE"; exit 2; }; done
  for kv in "${CHECK_PLATFORMS[@]}"; do [[ $kv =~ ^linux/(amd64|arm64)$ ]] || { log "--platform $kv: expected linux/amd64 or linux/arm64"; exit 2; }; done
  [ ${#CHECK_PLATFORMS[@]} -gt 0 ] || CHECK_PLATFORMS=('')
  [ $# -gt 0 ] || usage
  local f
  for f in "$@"; do [ -f "$f" ] || { log "no such file: $f"; exit 2; }; done
  is_setup || die "not set up: run '$0 setup' first"
  docker_env
  # One check at a time per checkout: runs share its daemon and the stub tags.
  mkdir -p "$STATE"
  exec 9>"$STATE/.check.lock"
  flock -x 9
  CHECK_WORK=$(mktemp -d "$STATE/check.XXXXXX")
  trap check_cleanup EXIT
  # A daemon this run starts is stopped again at exit; one started by `start` is left running.
  if ! daemon_running; then cmd_start; CHECK_STARTED=1; fi
  mkdir -p "$CHECK_WORK/context"
  local status=0 p kv
  ensure_stub_base
  for p in "${CHECK_PLATFORMS[@]}"; do
    CHECK_PLATFORM=$p
    CHECK_ARGS=("${CHECK_BUILD_ARGS[@]}")
    if [ -n "$p" ]; then
      # BuildKit's lint request evaluates the daemon's platform whatever --platform says: the platform's own
      # automatic ARGs go in as build args (docs/build-truth.md, "the check for each platform").
      while IFS= read -r kv; do CHECK_ARGS+=("$kv"); done < <(platform_args "$p")
      echo "platform $p: $(platform_args "$p" | paste -sd' ') as build args"
    fi
    for f in "$@"; do
      f=$(cd "$(dirname "$f")" && pwd)/$(basename "$f")
      check_one "$f" "$CHECK_WORK" || status=1
    done
  done
  return $status
}
CHECK_WORK='' CHECK_STARTED=0
check_cleanup() {
  [ -n "$CHECK_WORK" ] && rm -rf "$CHECK_WORK"
  if [ "$CHECK_STARTED" = 1 ]; then cmd_stop; fi
}

case "${1:-}" in
  setup) shift; cmd_setup "$@" ;;
  start) cmd_start ;;
  base) cmd_base ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) cmd_env ;;
  check) shift; cmd_check "$@" ;;
  *) usage ;;
esac
