# runtime final image: only the declared runtime artifacts, one loader order, build-time linkage assertions
FROM runtime-base AS runtime
# The image carries its own NCCL: remove the base image's, as a dpkg package or as plain files, so exactly one libnccl.so.2 and one nccl.h exist
# NCCL_PREFIX NCCL install prefix
ARG NCCL_PREFIX="/usr/local"
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt,sharing=locked <<'EOF'
set -euo pipefail
pkgs=(); for p in libnccl2 libnccl-dev; do if dpkg -s "$p" > /dev/null 2>&1; then pkgs+=("$p"); fi; done
if [ "${#pkgs[@]}" -gt 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get purge -y --allow-change-held-packages "${pkgs[@]}"; fi
keep="$(readlink -f "${NCCL_PREFIX}/lib")"
ldconfig
IFS=: read -ra dirs <<< "${LD_LIBRARY_PATH:-}"
while read -r f; do dirs+=("$(dirname "$f")"); done < <(ldconfig -p | awk '$1 ~ /^libnccl\.so/ {print $NF}')
for d in "${dirs[@]}"; do
  if [ -n "$d" ] && [ -d "$d" ] && [ "$(readlink -f "$d")" != "$keep" ] && compgen -G "$d/libnccl.so*" > /dev/null; then echo "stagewright: removing the base image NCCL from $d (not a dpkg package)"; rm -f "$d"/libnccl.so* "$d"/libnccl_static.a; fi
done
for h in /usr/include/nccl.h /usr/include/nccl_net.h ; do if [ -e "$h" ] && [ "$(readlink -f "$(dirname "$h")")" != "$(readlink -f "${NCCL_PREFIX}/include")" ]; then rm -f "$h"; fi; done
ldconfig
EOF

COPY --link --from=uv /uv /uvx /bin/
ENV UV_CACHE_DIR="/workspace/.cache/uv"
ENV UV_NO_BUILD_ISOLATION="1"
ENV UV_NO_SYNC="1"
ENV VIRTUAL_ENV="/workspace/.venv"
ENV PATH="/workspace/.venv/bin:${PATH}"
# LIBFABRIC_INSTALL_PATH libfabric install prefix; every consumer builds and loads from here
ARG LIBFABRIC_INSTALL_PATH="/usr/local"
COPY --link --from=libfabric /opt/stagewright/stage/libfabric${LIBFABRIC_INSTALL_PATH}/lib/ ${LIBFABRIC_INSTALL_PATH}/lib/
COPY --link --from=libfabric /opt/stagewright/stage/libfabric${LIBFABRIC_INSTALL_PATH}/bin/ ${LIBFABRIC_INSTALL_PATH}/bin/
# GDRCOPY_PREFIX GDRCopy install prefix (lowercase prefix= in its Makefile)
ARG GDRCOPY_PREFIX="/usr/local"
COPY --link --from=gdrcopy /opt/stagewright/stage/gdrcopy${GDRCOPY_PREFIX}/lib/ ${GDRCOPY_PREFIX}/lib/
# UCX_PREFIX UCX install prefix
ARG UCX_PREFIX="/usr"
COPY --link --from=ucx /opt/stagewright/stage/ucx${UCX_PREFIX}/lib/ ${UCX_PREFIX}/lib/
COPY --link --from=ucx /opt/stagewright/stage/ucx${UCX_PREFIX}/bin/ ${UCX_PREFIX}/bin/
COPY --link --from=abseil /opt/stagewright/stage/abseil/usr/local/lib/ /usr/local/lib/
COPY --link --from=grpc /opt/stagewright/stage/grpc/usr/local/lib/ /usr/local/lib/
COPY --link --from=etcd-cpp-api /opt/stagewright/stage/etcd-cpp-api/usr/local/lib/ /usr/local/lib/
COPY --link --from=aws-sdk-cpp /opt/stagewright/stage/aws-sdk-cpp/usr/local/lib/ /usr/local/lib/
COPY --link --from=gusli /opt/stagewright/stage/gusli/usr/lib/libgusli_*.so /usr/lib/
# NIXL_PREFIX NIXL install prefix
ARG NIXL_PREFIX="/usr/local/nixl"
COPY --link --from=nixl /opt/stagewright/stage/nixl${NIXL_PREFIX}/lib/ ${NIXL_PREFIX}/lib/
COPY --link --from=nixl /opt/stagewright/stage/nixl${NIXL_PREFIX}/bin/ ${NIXL_PREFIX}/bin/
COPY --link --from=nixl /opt/stagewright/stage/nixl/opt/stagewright/wheels/ /opt/stagewright/wheels/
COPY --link --from=nixl /opt/stagewright/stage/nixl/usr/local/nixlbench/bin/ /usr/local/nixlbench/bin/
COPY --link --from=nccl /opt/stagewright/stage/nccl${NCCL_PREFIX}/lib/ ${NCCL_PREFIX}/lib/
COPY --link --from=nccl /opt/stagewright/stage/nccl${NCCL_PREFIX}/include/ ${NCCL_PREFIX}/include/
# AWS_OFI_NCCL_PREFIX aws-ofi-nccl install prefix
ARG AWS_OFI_NCCL_PREFIX="/opt/amazon/ofi-nccl"
COPY --link --from=aws-ofi-nccl /opt/stagewright/stage/aws-ofi-nccl${AWS_OFI_NCCL_PREFIX}/lib/ ${AWS_OFI_NCCL_PREFIX}/lib/
COPY --link --from=aws-ofi-nccl /opt/stagewright/stage/aws-ofi-nccl${AWS_OFI_NCCL_PREFIX}/share/ ${AWS_OFI_NCCL_PREFIX}/share/
# TARGETARCH target architecture as BuildKit names it (amd64, arm64), from --platform
ARG TARGETARCH
# ARCH target CPU architecture as uname -m prints it (x86_64, aarch64), computed from TARGETARCH (set by --platform)
ARG ARCH="${TARGETARCH/amd64/x86_64}"
ARG ARCH="${ARCH/arm64/aarch64}"
ENV LD_LIBRARY_PATH="${LIBFABRIC_INSTALL_PATH}/lib:${GDRCOPY_PREFIX}/lib:${UCX_PREFIX}/lib:/usr/local/lib:${NIXL_PREFIX}/lib/${ARCH}-linux-gnu:${NCCL_PREFIX}/lib:${AWS_OFI_NCCL_PREFIX}/lib${LD_LIBRARY_PATH:+:${LD_LIBRARY_PATH}}"
ENV PATH="${LIBFABRIC_INSTALL_PATH}/bin:${UCX_PREFIX}/bin:${NIXL_PREFIX}/bin:/usr/local/nixlbench/bin:${PATH}"
ENV NIXL_PREFIX="${NIXL_PREFIX}"
ENV NIXL_PLUGIN_DIR="${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins"
ENV NCCL_TUNER_PLUGIN="${AWS_OFI_NCCL_PREFIX}/lib/libnccl-ofi-tuner.so"
ENV NCCL_NET="AWS Libfabric"
ENV NCCL_SOCKET_IFNAME="^docker,lo,veth"
# PYTHON_VERSION Python version of the virtual environment and the NIXL wheel
ARG PYTHON_VERSION="3.12"
# TORCH_VERSION torch for the NIXL wheel, from PyTorch's index for the base's CUDA (runtime option torch)
ARG TORCH_VERSION="2.12.0"
RUN --mount=type=cache,target=/workspace/.cache/uv,sharing=locked <<'EOF'
set -euo pipefail
uv venv --python "${PYTHON_VERSION}" /workspace/.venv
# torch pinned (runtime option torch) from PyTorch's index for the image's CUDA; the wheel's torch dependency is then satisfied
cuda="$(cut -d. -f1,2 <<< "${CUDA_VERSION:?the base image sets no CUDA_VERSION, so the PyTorch index for its CUDA is not known}")"
uv pip install --index-url "https://download.pytorch.org/whl/cu${cuda//./}" "torch==${TORCH_VERSION}"
uv pip install /opt/stagewright/wheels/*.whl
python -c 'import sys, torch; got = ".".join((torch.version.cuda or "none").split(".")[:2]); sys.exit(None if got == sys.argv[1] else f"stagewright: torch {torch.__version__} is built for CUDA {got}, the image has CUDA {sys.argv[1]}: pin a torch with a build for it")' "$cuda"
python -c "import nixl"
EOF

# One loader order for every library directory, derived from the artifacts (00- sorts first); then fail the build when the loader would pick the wrong library (two copies, or a consumer resolving another prefix)
RUN <<'EOF'
set -euo pipefail
printf '%s\n' "${LIBFABRIC_INSTALL_PATH}/lib" "${LIBFABRIC_INSTALL_PATH}/lib/libfabric" "${GDRCOPY_PREFIX}/lib" "${UCX_PREFIX}/lib" "${UCX_PREFIX}/lib/ucx" "/usr/local/lib" "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu" "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins" "${NCCL_PREFIX}/lib" "${AWS_OFI_NCCL_PREFIX}/lib" > /etc/ld.so.conf.d/00-stagewright.conf
ldconfig
copies="$({ ldconfig -p | awk '$1 == "libfabric.so.1" {print $NF}'; IFS=: read -ra dirs <<< "${LD_LIBRARY_PATH:-}"; for d in "${dirs[@]}"; do if [ -n "$d" ] && [ -e "$d/libfabric.so.1" ]; then echo "$d/libfabric.so.1"; fi; done; } | xargs -r -n1 readlink -f | sort -u)"
if [ "$(printf '%s\n' "$copies" | grep -c .)" -ne 1 ]; then
  echo "stagewright: the loader must see exactly one libfabric.so.1, it sees:" >&2
  printf '%s\n' "$copies" | sed 's/^/  /' >&2
  exit 1
fi
copies="$({ ldconfig -p | awk '$1 == "libucp.so.0" {print $NF}'; IFS=: read -ra dirs <<< "${LD_LIBRARY_PATH:-}"; for d in "${dirs[@]}"; do if [ -n "$d" ] && [ -e "$d/libucp.so.0" ]; then echo "$d/libucp.so.0"; fi; done; } | xargs -r -n1 readlink -f | sort -u)"
if [ "$(printf '%s\n' "$copies" | grep -c .)" -ne 1 ]; then
  echo "stagewright: the loader must see exactly one libucp.so.0, it sees:" >&2
  printf '%s\n' "$copies" | sed 's/^/  /' >&2
  exit 1
fi
copies="$({ ldconfig -p | awk '$1 == "libnccl.so.2" {print $NF}'; IFS=: read -ra dirs <<< "${LD_LIBRARY_PATH:-}"; for d in "${dirs[@]}"; do if [ -n "$d" ] && [ -e "$d/libnccl.so.2" ]; then echo "$d/libnccl.so.2"; fi; done; } | xargs -r -n1 readlink -f | sort -u)"
if [ "$(printf '%s\n' "$copies" | grep -c .)" -ne 1 ]; then
  echo "stagewright: the loader must see exactly one libnccl.so.2, it sees:" >&2
  printf '%s\n' "$copies" | sed 's/^/  /' >&2
  exit 1
fi
if ! deps="$(ldd "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins/libplugin_UCX.so" 2>&1)"; then echo "stagewright: cannot inspect ${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins/libplugin_UCX.so: $deps" >&2; exit 1; fi
got="$(awk '$1 == "libucp.so.0" {print $3}' <<< "$deps")"
want="${UCX_PREFIX}/lib/libucp.so.0"
if [ -z "$got" ] || [ "$(readlink -f "$got")" != "$(readlink -f "$want")" ]; then
  echo "stagewright: ${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins/libplugin_UCX.so resolves libucp.so.0 to '${got:-nothing}', not $want (ucx of stage ucx)" >&2
  exit 1
fi
if ! deps="$(ldd "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins/libplugin_LIBFABRIC.so" 2>&1)"; then echo "stagewright: cannot inspect ${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins/libplugin_LIBFABRIC.so: $deps" >&2; exit 1; fi
got="$(awk '$1 == "libfabric.so.1" {print $3}' <<< "$deps")"
want="${LIBFABRIC_INSTALL_PATH}/lib/libfabric.so.1"
if [ -z "$got" ] || [ "$(readlink -f "$got")" != "$(readlink -f "$want")" ]; then
  echo "stagewright: ${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins/libplugin_LIBFABRIC.so resolves libfabric.so.1 to '${got:-nothing}', not $want (libfabric of stage libfabric)" >&2
  exit 1
fi
if ! deps="$(ldd "${AWS_OFI_NCCL_PREFIX}/lib/libnccl-net.so" 2>&1)"; then echo "stagewright: cannot inspect ${AWS_OFI_NCCL_PREFIX}/lib/libnccl-net.so: $deps" >&2; exit 1; fi
got="$(awk '$1 == "libfabric.so.1" {print $3}' <<< "$deps")"
want="${LIBFABRIC_INSTALL_PATH}/lib/libfabric.so.1"
if [ -z "$got" ] || [ "$(readlink -f "$got")" != "$(readlink -f "$want")" ]; then
  echo "stagewright: ${AWS_OFI_NCCL_PREFIX}/lib/libnccl-net.so resolves libfabric.so.1 to '${got:-nothing}', not $want (libfabric of stage libfabric)" >&2
  exit 1
fi
stagewright_resolved() {
  if ! deps="$(ldd "$1" 2>&1)"; then echo "stagewright: cannot inspect $1: $deps" >&2; exit 1; fi
  missing="$(awk -v skip="libnvidia-ml.so.1 libnvidia-cfg.so.1 libcuda.so.1 libnvidia-opencl.so.1 libnvidia-ptxjitcompiler.so.1 libnvidia-fatbinaryloader.so.1 libnvidia-compiler.so.1" 'BEGIN {n = split(skip, s, " "); for (i = 1; i <= n; i++) host[s[i]] = 1} $2 == "=>" && $3 == "not" && !($1 in host) {printf "%s ", $1}' <<< "$deps")"
  if [ -n "$missing" ]; then echo "stagewright: $1 ($2 of stage $3) needs ${missing% }, which the image does not have: add the distribution package that provides it to the runtimePackages of the $2 artifact" >&2; exit 1; fi
}
stagewright_resolved "${LIBFABRIC_INSTALL_PATH}/lib/libfabric.so.1" "libfabric" "libfabric"
stagewright_resolved "${LIBFABRIC_INSTALL_PATH}/bin/fi_info" "libfabric" "libfabric"
stagewright_resolved "${GDRCOPY_PREFIX}/lib/libgdrapi.so.2" "gdrcopy" "gdrcopy"
stagewright_resolved "${GDRCOPY_PREFIX}/lib/libgdrapi.so" "gdrcopy" "gdrcopy"
stagewright_resolved "${UCX_PREFIX}/lib/libucp.so.0" "ucx" "ucx"
stagewright_resolved "${UCX_PREFIX}/lib/libucs.so.0" "ucx" "ucx"
stagewright_resolved "${UCX_PREFIX}/lib/libuct.so.0" "ucx" "ucx"
stagewright_resolved "${UCX_PREFIX}/bin/ucx_info" "ucx" "ucx"
stagewright_resolved "/usr/lib/libgusli_clnt.so" "gusli" "gusli"
stagewright_resolved "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/libnixl.so" "nixl" "nixl"
stagewright_resolved "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins/libplugin_UCX.so" "nixl" "nixl"
stagewright_resolved "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins/libplugin_POSIX.so" "nixl" "nixl"
stagewright_resolved "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins/libplugin_LIBFABRIC.so" "nixl" "nixl"
stagewright_resolved "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins/libplugin_OBJ.so" "nixl" "nixl"
stagewright_resolved "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins/libplugin_GUSLI.so" "nixl" "nixl"
stagewright_resolved "/usr/local/nixlbench/bin/nixlbench" "nixlbench" "nixl"
stagewright_resolved "${NCCL_PREFIX}/lib/libnccl.so.2" "nccl" "nccl"
stagewright_resolved "${NCCL_PREFIX}/include/nccl.h" "nccl" "nccl"
stagewright_resolved "${AWS_OFI_NCCL_PREFIX}/lib/libnccl-net.so" "aws-ofi-nccl" "aws-ofi-nccl"
stagewright_resolved "${AWS_OFI_NCCL_PREFIX}/lib/libnccl-ofi-tuner.so" "aws-ofi-nccl" "aws-ofi-nccl"
# torch brings its own NCCL and CUDA runtime under site-packages (loaded through its RPATH, before LD_LIBRARY_PATH): list them, and require one NCCL in a torch process, at torch's own version
site="$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
find "$site" \( -name 'libnccl.so*' -o -name 'libcudart.so*' \) \( -type f -o -type l \) -printf 'stagewright: site-packages copy %p\n' | sort
python -c '
import importlib.metadata as md, sys, torch
loaded = sorted({line.split()[-1] for line in open("/proc/self/maps") if "libnccl.so" in line.split()[-1]})
got = ".".join(str(x) for x in torch.cuda.nccl.version())
own = [(d.metadata["Name"], d.version) for d in md.distributions() if (d.metadata["Name"] or "").lower().startswith("nvidia-nccl-cu")]
paths = " ".join(loaded) or "nothing"
print(f"stagewright: torch {torch.__version__} (CUDA {torch.version.cuda}) maps NCCL {got} from {paths}; its own NCCL package: {own}")
if len(loaded) != 1:
    sys.exit(f"stagewright: a torch process maps {len(loaded)} libnccl files ({loaded}); it must map exactly one")
if own and not own[0][1].startswith(got):
    sys.exit(f"stagewright: a torch process loads NCCL {got} from {loaded[0]}, but torch ships NCCL {own[0][1]} ({own[0][0]}): another libnccl.so.2 was loaded first (LD_PRELOAD, or a torch whose RUNPATH LD_LIBRARY_PATH overrides); remove it, or build the image NCCL at {own[0][1]}")
'
# libfabric dlopens the unversioned libcudart.so; the CUDA stubs must never be on the loader path
found=""; IFS=: read -ra dirs <<< "${LD_LIBRARY_PATH:-}"; for d in "${dirs[@]}"; do if [ -n "$d" ] && [ -e "$d/libcudart.so" ]; then found="$d/libcudart.so"; fi; done
if [ -z "$found" ] && ! ldconfig -p | awk '$1 == "libcudart.so" {f = 1} END {exit !f}'; then echo "stagewright: libfabric dlopens the unversioned libcudart.so, which neither LD_LIBRARY_PATH nor the ld cache provides" >&2; exit 1; fi
# captured, not piped into grep -q: an early exit would SIGPIPE ldconfig and pipefail would hide the hit
cache="$(ldconfig -p)"
if grep -q "/stubs/" <<< "$cache"; then echo "stagewright: CUDA stub libraries are in the loader cache" >&2; exit 1; fi
EOF
