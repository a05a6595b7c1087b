#!/usr/bin/env bash
# The whole GPU-host run, on a GPU host without network, given a mirror directory: build the
# gpu-host recipe with its committed host script (generated/gpu-host/host-gpu-host.sh) from the
# mirror, each stage timed; run the runtime stage's linkage assertions with the host's own
# libfabric/UCX left in place (they must be caught) and then with them removed (exactly one copy);
# print fi_info/ucx_info versions and the plugins' ldd; move data VRAM to VRAM through the built
# NIXL wheel over UCX next to a torch device-to-device copy; try the LIBFABRIC backend (no EFA
# device here) under a timeout. docs/build-truth.md says what it needs and what it proves.
#
# usage: scripts/gpu-host-run.sh MIRROR_DIR [OUT_DIR]
#   MIRROR_DIR  made by `stagewright mirror gpu-host --out MIRROR_DIR ...`; may hold debs/ (.deb
#               files installed first: libtool; meson-python, pyproject-metadata and patchelf are
#               unpacked for the venv python)
#   OUT_DIR     where run.log and the Markdown summary (summary) go (default: $OUT, else ./gpu-host-out)
set -euo pipefail

mirror="$(cd "${1:?usage: gpu-host-run.sh MIRROR_DIR [OUT_DIR]}" && pwd)"
out="${2:-${OUT:-./gpu-host-out}}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
repo="$(cd "$(dirname "$0")/.." && pwd)"
script="$repo/generated/gpu-host/host-gpu-host.sh"
unfixed="$repo/generated/gpu-host-system-copies/host-gpu-host-system-copies.sh"
log="$out/run.log"
summary="$out/summary"
work="$(mktemp -d)"
: > "$log"
exec > >(tee -a "$log") 2>&1

t0=$SECONDS
say() { printf '\n==== %s (t=%ss)\n' "$*" "$((SECONDS - t0))"; }
row() { printf '%s\n' "$*" >> "$summary"; }
printf '# GPU-host run\n\n' > "$summary"
row "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ), host: $(uname -m), $(nproc) cores, commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
row "- GPU: $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>&1 | head -n 1)"
row "- CUDA: $(nvcc --version | tail -n 1)"
row "- python3: $(command -v python3) $(python3 --version 2>&1)"

say "inputs from the mirror's debs/"
if compgen -G "$mirror/debs/*.deb" > /dev/null; then
  pydeb=/opt/stagewright-pydeb
  mkdir -p "$pydeb"
  for deb in "$mirror"/debs/*.deb; do
    case "$(basename "$deb")" in
      python3-*|patchelf_*) dpkg-deb -x "$deb" "$pydeb"; echo "unpacked $(basename "$deb") into $pydeb" ;;
      *) dpkg -i "$deb" || dpkg -i --force-depends "$deb" ;;
    esac
  done
  export PYTHONPATH="$pydeb/usr/lib/python3/dist-packages${PYTHONPATH:+:$PYTHONPATH}" PATH="$pydeb/usr/bin:$PATH"
fi

# libfabric dlopens the unversioned libcudart.so (the runtime stage asserts the loader finds it): CUDA's library
# directory on the loader path when the cache lacks it, as a CUDA image's LD_LIBRARY_PATH has it.
cache="$(ldconfig -p)"
if ! grep -q ' libcudart.so ' <<< "$cache"; then
  export LD_LIBRARY_PATH="/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  row "- libcudart.so is not in the loader cache: LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
fi
row "- nvml.h: $(ls /usr/local/cuda/include/nvml.h 2>&1); stubs: $(find /usr/local/cuda/lib64/stubs -maxdepth 1 -name '*.so' -printf '%f ' 2>&1)"
row "- java/mvn: $(command -v javac mvn | tr '\n' ' ')"

args=()
if [ -f "$mirror/build-args" ]; then
  while IFS= read -r kv; do [ -n "$kv" ] && args+=(--arg "$kv"); done < "$mirror/build-args"
fi
export SOURCE_MIRROR="file://$mirror"
host() { bash "$script" --system-packages verify "${args[@]}" "$@"; }

# Stages in dependency waves; a wave's stages build side by side (they share nothing but their inputs).
stage_log() { printf '%s/stage-%s.log' "$work" "$1"; }
wave() {
  local s pids=() failed=()
  for s in "$@"; do
    ( start=$SECONDS; if host --only "$s" > "$(stage_log "$s")" 2>&1; then echo "$((SECONDS - start)) ok" > "$work/$s.rc"; else echo "$((SECONDS - start)) FAILED" > "$work/$s.rc"; fi ) &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  for s in "$@"; do
    echo "---- stage $s"
    cat "$(stage_log "$s")"
    read -r secs status < "$work/$s.rc"
    row "| $s | $secs | $status |"
    if [ "$status" != ok ]; then failed+=("$s"); fi
  done
  if [ "${#failed[@]}" -gt 0 ]; then say "FAILED: ${failed[*]}"; row ""; row "**build failed at: ${failed[*]}** (run.log has the stage output)"; exit 1; fi
}

say "build"
row ""
row "| stage | seconds | result |"
row "| --- | --- | --- |"
wave base
wave gdrcopy
wave libfabric ucx
wave nixl nixl-wheel aws-ofi-nccl

say "runtime stage with the host's own libfabric and UCX left in place: the assertions must catch them"
row ""
row "## Runtime assertions"
ldconfig -p | awk '$1 == "libfabric.so.1" || $1 == "libucp.so.0"' | tee "$work/cache-before.txt"
row ""
row "Loader cache before (libfabric.so.1, libucp.so.0):"
row '```'
cat "$work/cache-before.txt" >> "$summary"
row '```'
if bash "$unfixed" --system-packages verify "${args[@]}" --only runtime > "$work/unfixed.log" 2>&1; then
  cat "$work/unfixed.log"
  row "- NOT caught: the runtime assertions passed with a second copy in the loader cache"
  caught=no
else
  cat "$work/unfixed.log"
  row "- caught (exit 1):"
  row '```'
  grep -A4 'the loader must see exactly one' "$work/unfixed.log" >> "$summary" || grep 'stagewright:' "$work/unfixed.log" | tail -n 5 >> "$summary"
  row '```'
  caught=yes
fi

say "runtime stage as the recipe has it: the distribution's copies purged, then the loader setup and the assertions"
start=$SECONDS
if host --only runtime > "$work/runtime.log" 2>&1; then status=ok; else status=FAILED; fi
cat "$work/runtime.log"
row "- with removeSystemCopies: $status in $((SECONDS - start)) s"
row '```'
grep -E 'is a second|must see|resolves|stagewright: stage runtime' "$work/runtime.log" >> "$summary" || true
row '```'
ldconfig -p | awk '$1 == "libfabric.so.1" || $1 == "libucp.so.0"' | tee "$work/cache-after.txt"
row "Loader cache after:"
row '```'
cat "$work/cache-after.txt" >> "$summary"
row '```'
# A failed runtime stage is reported, and the checks below still run: they say what does work.
if [ "$status" != ok ]; then say "runtime stage FAILED (continuing with the checks)"; fi

say "versions and linkage"
# The runtime stage's ENV (a host script exports it to its steps only); the loader finds the libraries through ld.so.conf.d.
export NIXL_PREFIX=/usr/local/nixl NIXL_PLUGIN_DIR=/usr/local/nixl/lib/x86_64-linux-gnu/plugins
row ""
row "## Versions and linkage"
row '```'
{
  echo "\$ fi_info --version"; /usr/local/bin/fi_info --version
  echo "\$ ucx_info -v"; /usr/local/ucx/bin/ucx_info -v
  for p in LIBFABRIC UCX; do echo "\$ ldd $NIXL_PLUGIN_DIR/libplugin_$p.so"; ldd "$NIXL_PLUGIN_DIR/libplugin_$p.so"; done
} 2>&1 | tee -a "$summary"
row '```'

# The wheel finds the plugins built with it (next to its own libnixl.so); NIXL_PLUGIN_DIR would point it at the
# prefix's plugins, another build of the same libraries (the summary's plugin-dir line says what that does).
unset NIXL_PLUGIN_DIR
# The recipe's in-image test script, run where the runtime stage installed everything: first as an image would run
# it on a node without EFA (the preflight must stop it with the fix), then with STAGEWRIGHT_SKIP_EFA=1 (every other
# check for real: files, one copy per soname, linkage, import nixl, the NCCL communicator with the OFI plugin).
testscript="$repo/generated/gpu-host/test-gpu-host.sh"
say "the in-image test script ($testscript)"
row ""
row "## The in-image test script on the host"
set +e
timeout 300 bash "$testscript" > "$work/test-efa.txt" 2>&1
st=$?
cat "$work/test-efa.txt"
row "- without an EFA device: exit $st"
row '```'
cat "$work/test-efa.txt" >> "$summary"
row '```'
STAGEWRIGHT_SKIP_EFA=1 timeout 300 bash "$testscript" > "$work/test-skip.txt" 2>&1
st=$?
cat "$work/test-skip.txt"
row "- STAGEWRIGHT_SKIP_EFA=1: exit $st"
row '```'
cat "$work/test-skip.txt" >> "$summary"
row '```'
set -e

transfer() { # name, timeout, args...
  local name=$1 limit=$2; shift 2
  say "NIXL transfer: $name"
  if timeout "$limit" python3 "$repo/scripts/nixl-transfer-check.py" "$@" > "$work/t.txt" 2>&1; then st=ok; else st="FAILED (exit $?; 124 = timed out, 139 = SIGSEGV)"; fi
  cat "$work/t.txt"
  row "- $name: $st: \`$(grep '^RESULT' "$work/t.txt" | cut -c8- || echo none)\`"
  if [ "$st" != ok ]; then row '```'; grep -v '^\s*$' "$work/t.txt" | tail -n 25 >> "$summary"; row '```'; fi
}
row ""
row "## Transfers (VRAM to VRAM through the built wheel; torch_copy = a device-to-device copy of the same size in the same run)"
transfer "UCX, two processes" 180 --backend UCX --processes 2
transfer "UCX, two agents in one process" 120 --backend UCX --processes 1 --mib 64 --iters 5
say "the wheel with NIXL_PLUGIN_DIR at the prefix's plugins (another build)"
row "- plugins the wheel loads with NIXL_PLUGIN_DIR=$NIXL_PREFIX/lib/x86_64-linux-gnu/plugins: \`$(NIXL_PLUGIN_DIR="$NIXL_PREFIX/lib/x86_64-linux-gnu/plugins" NIXL_LOG_LEVEL=INFO python3 -c 'from nixl._api import nixl_agent, nixl_agent_config; print(nixl_agent("x", nixl_agent_config(backends=[])).get_plugin_list())' 2>&1 | grep -E "^\[|Failed to load plugin from" | head -n 3 | tr '\n' ' ')\`"
say "LIBFABRIC backend without an EFA device (timeout 90 s)"
transfer "LIBFABRIC (no EFA device), two processes" 90 --backend LIBFABRIC --processes 2 --mib 16 --iters 3 --timeout 30
row "- nixlbench: not built (no gflags on this host; the recipe sets nixlbench: false)"

# NIXL's meson builds the nixl meta wheel with `uv build` whenever uv is on PATH (src/bindings/python/nixl-meta/
# meson.build at 0.7.1); its pyproject needs setuptools, and under UV_NO_BUILD_ISOLATION uv takes the active venv as
# it is. Both sides of that, offline: a venv without setuptools (the failure the aligned venv had) and one with it.
say "nixl-meta with uv and UV_NO_BUILD_ISOLATION=1: a venv without setuptools, then one with it"
row ""
row "## nixl meta wheel with uv (UV_NO_BUILD_ISOLATION=1)"
set +e # an observation: a failing step is reported, not the end of the run
if command -v uv > /dev/null; then
  meta="$work/nixl-meta"
  mkdir -p "$meta/src"
  git --git-dir "$mirror/github.com/ai-dynamo/nixl.git" archive 0.7.1 src/bindings/python/nixl-meta LICENSE | tar -x -C "$meta/src"
  pkg="$meta/pkg"
  mkdir -p "$pkg/nixl"
  sed -e 's/@VERSION@/0.7.1/g' -e 's/@WHEEL_DEP@/nixl-cu13/g' "$meta/src/src/bindings/python/nixl-meta/pyproject.toml.in" > "$pkg/pyproject.toml"
  cp "$meta/src/src/bindings/python/nixl-meta/README.md" "$meta/src/LICENSE" "$pkg/"
  cp "$meta/src/src/bindings/python/nixl-meta/nixl/__init__.py" "$pkg/nixl/"
  row "- $(uv --version)"
  for kind in without with; do
    venv="$meta/venv-$kind"
    python3 -m venv --without-pip "$venv"
    # "with": the same venv, given the setuptools of the python3 on PATH (a .pth file), as a venv with it installed
    if [ "$kind" = with ]; then
      python3 -c 'import os, setuptools; print(os.path.dirname(os.path.dirname(setuptools.__file__)))' > "$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/host-setuptools.pth"
    fi
    has="$("$venv/bin/python" -c 'import setuptools; print(setuptools.__version__)' 2>/dev/null || echo none)"
    if (cd "$pkg" && VIRTUAL_ENV="$venv" UV_NO_BUILD_ISOLATION=1 UV_OFFLINE=1 timeout 120 uv build --wheel --out-dir "$meta/out-$kind" . > "$meta/$kind.log" 2>&1); then st="built $(ls "$meta/out-$kind")"; else st="FAILED (exit $?)"; fi
    cat "$meta/$kind.log"
    row "- venv $kind setuptools (setuptools: $has): $st"
    if [ "$kind" = without ]; then row '```'; grep -v '^\s*$' "$meta/$kind.log" | tail -n 4 >> "$summary"; row '```'; fi
  done
else
  row "- uv is not on PATH: nothing to show"
fi
set -e

# torch's wheels bring their own NCCL (nvidia-nccl-cu*); which copy does a torch process load, and does the
# aws-ofi-nccl plugin load into it? (the runtime's one-copy check and the aligned image's torch choice rest on this)
say "torch's NCCL: its copies in site-packages, the one a torch process maps, the aws-ofi-nccl plugin under it"
row ""
row "## torch and NCCL"
row '```'
{
  set +e # what fails here is reported, and the run goes on (this group is a subshell of the pipeline)
  sp="$(python3 -c 'import site; print(" ".join(site.getsitepackages()))')"
  echo "\$ find <site-packages> -name 'libnccl.so*'"
  for d in $sp; do if [ -d "$d" ]; then find "$d" -name 'libnccl.so*' \( -type f -o -type l \); fi; done
  echo "\$ ldconfig -p | grep libnccl.so.2"; ldconfig -p | grep 'libnccl.so.2' || echo "(none)"
  echo "\$ a torch process: torch version, its CUDA, its NCCL, the libnccl it maps"
  if timeout 120 python3 - <<'PY'
import torch
print("torch", torch.__version__, "cuda", torch.version.cuda, "nccl", ".".join(map(str, torch.cuda.nccl.version())))
with open("/proc/self/maps") as f:
    print("mapped:", sorted({line.split()[-1] for line in f if "libnccl" in line}))
PY
  then :; else echo "(exit $?)"; fi
  # torch finds its NCCL through its RUNPATH; a libnccl.so.2 on LD_LIBRARY_PATH comes first (the runtime's torch check
  # names this case): the system's copy, put there, shows which one a torch process then maps.
  sysnccl="$(ldconfig -p | awk '$1 == "libnccl.so.2" {print $NF; exit}')"
  if [ -n "$sysnccl" ]; then
    mkdir -p "$work/llp" && ln -sf "$(readlink -f "$sysnccl")" "$work/llp/libnccl.so.2"
    echo "\$ LD_LIBRARY_PATH=<a directory holding the system's libnccl.so.2 ($(readlink -f "$sysnccl"))>: the NCCL a torch process maps"
    LD_LIBRARY_PATH="$work/llp${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" timeout 120 python3 -c 'import torch; print("nccl", ".".join(map(str, torch.cuda.nccl.version())), "mapped:", sorted({l.split()[-1] for l in open("/proc/self/maps") if "libnccl" in l}))' || echo "(exit $?)"
  fi
  plugin=/opt/amazon/ofi-nccl/lib/libnccl-net.so
  echo "\$ one rank of torch.distributed (nccl) with NCCL_NET_PLUGIN=$plugin"
  NCCL_NET_PLUGIN="$plugin" NCCL_DEBUG=INFO NCCL_DEBUG_SUBSYS=INIT,NET MASTER_ADDR=127.0.0.1 MASTER_PORT=29531 \
    timeout 120 python3 - <<'PY' 2>&1 | { grep -E 'NET/OFI|NET/Plugin|Using network|RESULT|Error|error' || true; } | head -n 15
import torch, torch.distributed as dist
dist.init_process_group("nccl", rank=0, world_size=1)
x = torch.ones(1 << 20, device="cuda")
dist.all_reduce(x)
torch.cuda.synchronize()
print("RESULT all_reduce ok", float(x[0]))
with open("/proc/self/maps") as f:
    print("RESULT mapped:", sorted({line.split()[-1] for line in f if "libnccl" in line}))
dist.destroy_process_group()
PY
  echo "(the one rank's pipeline exit statuses: ${PIPESTATUS[*]})"
} 2>&1 | tee -a "$summary"
row '```'

say "done"
row ""
row "second copy caught: $caught; total $((SECONDS - t0)) s"
rm -rf "$work"
