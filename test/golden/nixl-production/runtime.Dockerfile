# runtime final image: only the declared runtime artifacts, one loader order, build-time linkage assertions
FROM efa-drivers AS runtime
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

# GDRCOPY_PREFIX GDRCopy install prefix (lowercase prefix= in its Makefile)
ARG GDRCOPY_PREFIX="/usr/local"
COPY --link --from=gdrcopy /opt/stagewright/stage/gdrcopy${GDRCOPY_PREFIX}/lib/ ${GDRCOPY_PREFIX}/lib/
COPY --link --from=etcd-cpp-api /opt/stagewright/stage/etcd-cpp-api/usr/local/lib/ /usr/local/lib/
# NIXL_PREFIX NIXL install prefix
ARG NIXL_PREFIX="/opt/nvidia/nvda_nixl"
COPY --link --from=nixl /opt/stagewright/stage/nixl${NIXL_PREFIX}/lib/ ${NIXL_PREFIX}/lib/
COPY --link --from=nixl /opt/stagewright/stage/nixl${NIXL_PREFIX}/bin/ ${NIXL_PREFIX}/bin/
COPY --link --from=nixl /opt/stagewright/stage/nixl/opt/stagewright/wheels/ /opt/stagewright/wheels/
COPY --link --from=nixl /opt/stagewright/stage/nixl/usr/local/nixlbench/bin/ /usr/local/nixlbench/bin/
COPY --link --from=nccl /opt/stagewright/stage/nccl${NCCL_PREFIX}/lib/ ${NCCL_PREFIX}/lib/
COPY --link --from=nccl /opt/stagewright/stage/nccl${NCCL_PREFIX}/include/ ${NCCL_PREFIX}/include/
# TARGETARCH target architecture as BuildKit names it (amd64, arm64), from --platform
ARG TARGETARCH
# ARCH target CPU architecture as uname -m prints it (x86_64, aarch64), computed from TARGETARCH (set by --platform)
ARG ARCH="${TARGETARCH/amd64/x86_64}"
ARG ARCH="${ARCH/arm64/aarch64}"
ENV LD_LIBRARY_PATH="${GDRCOPY_PREFIX}/lib:/usr/local/lib:${NIXL_PREFIX}/lib/${ARCH}-linux-gnu:${NCCL_PREFIX}/lib${LD_LIBRARY_PATH:+:${LD_LIBRARY_PATH}}"
ENV PATH="${NIXL_PREFIX}/bin:/usr/local/nixlbench/bin:${PATH}"
ENV NIXL_PREFIX="${NIXL_PREFIX}"
ENV NIXL_PLUGIN_DIR="${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins"
RUN --mount=type=cache,target=/workspace/.cache/uv,sharing=locked <<'EOF'
set -euo pipefail
# torch: none (runtime option torch): the wheel without its torch dependency; import nixl then needs the consumer's torch
uv pip install --no-deps /opt/stagewright/wheels/*.whl numpy
python -c 'import importlib, importlib.util, sys; pkg = next((p for p in ("nixl_cu13", "nixl_cu12") if importlib.util.find_spec(p)), None); sys.exit("stagewright: no nixl_cu* package is installed") if pkg is None else importlib.import_module(pkg + "._bindings")'
EOF

# One loader order for every library directory, derived from the artifacts (00- sorts first); then fail the build when the loader would pick the wrong library (two copies, or a consumer resolving another prefix)
RUN <<'EOF'
set -euo pipefail
printf '%s\n' "${GDRCOPY_PREFIX}/lib" "/usr/local/lib" "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu" "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins" "${NCCL_PREFIX}/lib" > /etc/ld.so.conf.d/00-stagewright.conf
ldconfig
copies="$({ ldconfig -p | awk '$1 == "libucp.so.0" {print $NF}'; IFS=: read -ra dirs <<< "${LD_LIBRARY_PATH:-}"; for d in "${dirs[@]}"; do if [ -n "$d" ] && [ -e "$d/libucp.so.0" ]; then echo "$d/libucp.so.0"; fi; done; } | xargs -r -n1 readlink -f | sort -u)"
if [ "$(printf '%s\n' "$copies" | grep -c .)" -ne 1 ]; then
  echo "stagewright: the loader must see exactly one libucp.so.0, it sees:" >&2
  printf '%s\n' "$copies" | sed 's/^/  /' >&2
  exit 1
fi
copies="$({ ldconfig -p | awk '$1 == "libfabric.so.1" {print $NF}'; IFS=: read -ra dirs <<< "${LD_LIBRARY_PATH:-}"; for d in "${dirs[@]}"; do if [ -n "$d" ] && [ -e "$d/libfabric.so.1" ]; then echo "$d/libfabric.so.1"; fi; done; } | xargs -r -n1 readlink -f | sort -u)"
if [ "$(printf '%s\n' "$copies" | grep -c .)" -ne 1 ]; then
  echo "stagewright: the loader must see exactly one libfabric.so.1, it sees:" >&2
  printf '%s\n' "$copies" | sed 's/^/  /' >&2
  exit 1
fi
copies="$({ ldconfig -p | awk '$1 == "libnccl.so.2" {print $NF}'; IFS=: read -ra dirs <<< "${LD_LIBRARY_PATH:-}"; for d in "${dirs[@]}"; do if [ -n "$d" ] && [ -e "$d/libnccl.so.2" ]; then echo "$d/libnccl.so.2"; fi; done; } | xargs -r -n1 readlink -f | sort -u)"
if [ "$(printf '%s\n' "$copies" | grep -c .)" -ne 1 ]; then
  echo "stagewright: the loader must see exactly one libnccl.so.2, it sees:" >&2
  printf '%s\n' "$copies" | sed 's/^/  /' >&2
  exit 1
fi
if ! deps="$(ldd "/opt/amazon/ofi-nccl/lib/libnccl-net.so" 2>&1)"; then echo "stagewright: cannot inspect /opt/amazon/ofi-nccl/lib/libnccl-net.so: $deps" >&2; exit 1; fi
got="$(awk '$1 == "libfabric.so.1" {print $3}' <<< "$deps")"
want="/opt/amazon/efa/lib/libfabric.so.1"
if [ -z "$got" ] || [ "$(readlink -f "$got")" != "$(readlink -f "$want")" ]; then
  echo "stagewright: /opt/amazon/ofi-nccl/lib/libnccl-net.so resolves libfabric.so.1 to '${got:-nothing}', not $want (libfabric of stage efa-drivers)" >&2
  exit 1
fi
if ! deps="$(ldd "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins/libplugin_UCX.so" 2>&1)"; then echo "stagewright: cannot inspect ${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins/libplugin_UCX.so: $deps" >&2; exit 1; fi
got="$(awk '$1 == "libucp.so.0" {print $3}' <<< "$deps")"
want="/opt/hpcx/ucx/lib/libucp.so.0"
if [ -z "$got" ] || [ "$(readlink -f "$got")" != "$(readlink -f "$want")" ]; then
  echo "stagewright: ${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins/libplugin_UCX.so resolves libucp.so.0 to '${got:-nothing}', not $want (ucx of stage hpcx-ucx)" >&2
  exit 1
fi
if ! deps="$(ldd "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins/libplugin_LIBFABRIC.so" 2>&1)"; then echo "stagewright: cannot inspect ${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins/libplugin_LIBFABRIC.so: $deps" >&2; exit 1; fi
got="$(awk '$1 == "libfabric.so.1" {print $3}' <<< "$deps")"
want="/opt/amazon/efa/lib/libfabric.so.1"
if [ -z "$got" ] || [ "$(readlink -f "$got")" != "$(readlink -f "$want")" ]; then
  echo "stagewright: ${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins/libplugin_LIBFABRIC.so resolves libfabric.so.1 to '${got:-nothing}', not $want (libfabric of stage efa-drivers)" >&2
  exit 1
fi
stagewright_resolved() {
  if ! deps="$(ldd "$1" 2>&1)"; then echo "stagewright: cannot inspect $1: $deps" >&2; exit 1; fi
  missing="$(awk -v skip="libnvidia-ml.so.1 libnvidia-cfg.so.1 libcuda.so.1 libnvidia-opencl.so.1 libnvidia-ptxjitcompiler.so.1 libnvidia-fatbinaryloader.so.1 libnvidia-compiler.so.1" 'BEGIN {n = split(skip, s, " "); for (i = 1; i <= n; i++) host[s[i]] = 1} $2 == "=>" && $3 == "not" && !($1 in host) {printf "%s ", $1}' <<< "$deps")"
  if [ -n "$missing" ]; then echo "stagewright: $1 ($2 of stage $3) needs ${missing% }, which the image does not have: add the distribution package that provides it to the runtimePackages of the $2 artifact" >&2; exit 1; fi
}
stagewright_resolved "/opt/hpcx/ucx/lib/libucp.so.0" "ucx" "hpcx-ucx"
stagewright_resolved "/opt/amazon/efa/lib/libfabric.so.1" "libfabric" "efa-drivers"
stagewright_resolved "/opt/amazon/efa/bin/fi_info" "libfabric" "efa-drivers"
stagewright_resolved "/opt/amazon/ofi-nccl/lib/libnccl-net.so" "aws-ofi-nccl" "efa-drivers"
stagewright_resolved "${GDRCOPY_PREFIX}/lib/libgdrapi.so.2" "gdrcopy" "gdrcopy"
stagewright_resolved "${GDRCOPY_PREFIX}/lib/libgdrapi.so" "gdrcopy" "gdrcopy"
stagewright_resolved "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/libnixl.so" "nixl" "nixl"
stagewright_resolved "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins/libplugin_UCX.so" "nixl" "nixl"
stagewright_resolved "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins/libplugin_UCX_MO.so" "nixl" "nixl"
stagewright_resolved "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins/libplugin_POSIX.so" "nixl" "nixl"
stagewright_resolved "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins/libplugin_LIBFABRIC.so" "nixl" "nixl"
stagewright_resolved "/usr/local/nixlbench/bin/nixlbench" "nixlbench" "nixl"
stagewright_resolved "${NCCL_PREFIX}/lib/libnccl.so.2" "nccl" "nccl"
stagewright_resolved "${NCCL_PREFIX}/include/nccl.h" "nccl" "nccl"
# libfabric dlopens the unversioned libcudart.so; the CUDA stubs must never be on the loader path
found=""; IFS=: read -ra dirs <<< "${LD_LIBRARY_PATH:-}"; for d in "${dirs[@]}"; do if [ -n "$d" ] && [ -e "$d/libcudart.so" ]; then found="$d/libcudart.so"; fi; done
if [ -z "$found" ] && ! ldconfig -p | awk '$1 == "libcudart.so" {f = 1} END {exit !f}'; then echo "stagewright: libfabric dlopens the unversioned libcudart.so, which neither LD_LIBRARY_PATH nor the ld cache provides" >&2; exit 1; fi
# captured, not piped into grep -q: an early exit would SIGPIPE ldconfig and pipefail would hide the hit
cache="$(ldconfig -p)"
if grep -q "/stubs/" <<< "$cache"; then echo "stagewright: CUDA stub libraries are in the loader cache" >&2; exit 1; fi
EOF
