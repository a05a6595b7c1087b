# runtime final image: only the declared runtime artifacts, one loader order, build-time linkage assertions
FROM base AS runtime
# LIBFABRIC_INSTALL_PATH libfabric install prefix; every consumer builds and loads from here
ARG LIBFABRIC_INSTALL_PATH="/usr/local"
COPY --link --from=libfabric /opt/stagewright/stage/libfabric${LIBFABRIC_INSTALL_PATH}/lib/ ${LIBFABRIC_INSTALL_PATH}/lib/
COPY --link --from=libfabric /opt/stagewright/stage/libfabric${LIBFABRIC_INSTALL_PATH}/bin/ ${LIBFABRIC_INSTALL_PATH}/bin/
# GDRCOPY_PREFIX GDRCopy install prefix (lowercase prefix= in its Makefile)
ARG GDRCOPY_PREFIX="/usr/local"
COPY --link --from=gdrcopy /opt/stagewright/stage/gdrcopy${GDRCOPY_PREFIX}/lib/ ${GDRCOPY_PREFIX}/lib/
# UCX_PREFIX UCX install prefix
ARG UCX_PREFIX="/usr/local/ucx"
COPY --link --from=ucx /opt/stagewright/stage/ucx${UCX_PREFIX}/lib/ ${UCX_PREFIX}/lib/
COPY --link --from=ucx /opt/stagewright/stage/ucx${UCX_PREFIX}/bin/ ${UCX_PREFIX}/bin/
# NIXL_PREFIX NIXL install prefix
ARG NIXL_PREFIX="/usr/local/nixl"
COPY --link --from=nixl /opt/stagewright/stage/nixl${NIXL_PREFIX}/lib/ ${NIXL_PREFIX}/lib/
COPY --link --from=nixl-wheel /opt/stagewright/stage/nixl-wheel/opt/stagewright/wheels/ /opt/stagewright/wheels/
# AWS_OFI_NCCL_PREFIX aws-ofi-nccl install prefix
ARG AWS_OFI_NCCL_PREFIX="/opt/amazon/ofi-nccl"
COPY --link --from=aws-ofi-nccl /opt/stagewright/stage/aws-ofi-nccl${AWS_OFI_NCCL_PREFIX}/lib/ ${AWS_OFI_NCCL_PREFIX}/lib/
COPY --link --from=aws-ofi-nccl /opt/stagewright/stage/aws-ofi-nccl${AWS_OFI_NCCL_PREFIX}/share/ ${AWS_OFI_NCCL_PREFIX}/share/
# TARGETARCH target architecture as BuildKit names it (amd64, arm64), from --platform
ARG TARGETARCH
# ARCH target CPU architecture as uname -m prints it (x86_64, aarch64), computed from TARGETARCH (set by --platform)
ARG ARCH="${TARGETARCH/amd64/x86_64}"
ARG ARCH="${ARCH/arm64/aarch64}"
ENV LD_LIBRARY_PATH="${LIBFABRIC_INSTALL_PATH}/lib:${GDRCOPY_PREFIX}/lib:${UCX_PREFIX}/lib:${NIXL_PREFIX}/lib/${ARCH}-linux-gnu:${AWS_OFI_NCCL_PREFIX}/lib${LD_LIBRARY_PATH:+:${LD_LIBRARY_PATH}}"
ENV PATH="${LIBFABRIC_INSTALL_PATH}/bin:${UCX_PREFIX}/bin:${NIXL_PREFIX}/bin:${PATH}"
ENV NIXL_PREFIX="${NIXL_PREFIX}"
ENV NCCL_TUNER_PLUGIN="${AWS_OFI_NCCL_PREFIX}/lib/libnccl-ofi-tuner.so"
ENV NCCL_NET="AWS Libfabric"
ENV NCCL_SOCKET_IFNAME="^docker,lo,veth"
RUN <<'EOF'
set -euo pipefail
site="$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["platlib"])')"
for whl in /opt/stagewright/wheels/*.whl; do python3 -m zipfile -e "$whl" "$site"; done
cd /
python3 -c "import nixl"
EOF

# One loader order for every library directory, derived from the artifacts (00- sorts first); then fail the build when the loader would pick the wrong library (two copies, or a consumer resolving another prefix)
RUN <<'EOF'
set -euo pipefail
printf '%s\n' "${LIBFABRIC_INSTALL_PATH}/lib" "${LIBFABRIC_INSTALL_PATH}/lib/libfabric" "${GDRCOPY_PREFIX}/lib" "${UCX_PREFIX}/lib" "${UCX_PREFIX}/lib/ucx" "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu" "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins" "${AWS_OFI_NCCL_PREFIX}/lib" > /etc/ld.so.conf.d/00-stagewright.conf
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
stagewright_resolved "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/libnixl.so" "nixl" "nixl"
stagewright_resolved "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins/libplugin_UCX.so" "nixl" "nixl"
stagewright_resolved "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins/libplugin_UCX_MO.so" "nixl" "nixl"
stagewright_resolved "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins/libplugin_POSIX.so" "nixl" "nixl"
stagewright_resolved "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins/libplugin_LIBFABRIC.so" "nixl" "nixl"
stagewright_resolved "${AWS_OFI_NCCL_PREFIX}/lib/libnccl-net.so" "aws-ofi-nccl" "aws-ofi-nccl"
stagewright_resolved "${AWS_OFI_NCCL_PREFIX}/lib/libnccl-ofi-tuner.so" "aws-ofi-nccl" "aws-ofi-nccl"
# No NCCL is built: the plugin is loaded by the base image's NCCL. Exactly one libnccl.so.2, and its version in the log
copies="$({ ldconfig -p | awk '$1 == "libnccl.so.2" {print $NF}'; IFS=: read -ra dirs <<< "${LD_LIBRARY_PATH:-}"; for d in "${dirs[@]}"; do if [ -n "$d" ] && [ -e "$d/libnccl.so.2" ]; then echo "$d/libnccl.so.2"; fi; done; } | xargs -r -n1 readlink -f | sort -u)"
if [ "$(printf '%s\n' "$copies" | grep -c .)" -ne 1 ]; then
  echo "stagewright: the loader must see exactly one libnccl.so.2, it sees:" >&2
  printf '%s\n' "$copies" | sed 's/^/  /' >&2
  exit 1
fi
nccl="$(readlink -f "$copies")"
echo "stagewright: the image's NCCL is the base image's, version ${nccl##*/libnccl.so.} ($nccl)"
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

RUN <<'EOF'
set -euo pipefail
got="$(python3 -c 'from nixl._api import nixl_agent, nixl_agent_config; print(" ".join(sorted(nixl_agent("stagewright-check", nixl_agent_config(backends=[])).get_plugin_list())))')"
for want in UCX UCX_MO POSIX LIBFABRIC; do
  case " $got " in *" $want "*) ;; *) echo "stagewright: the installed NIXL wheel does not load plugin $want (it loads: $got); run with NIXL_LOG_LEVEL=INFO to see why" >&2; exit 1 ;; esac
done
echo "stagewright: the NIXL wheel loads its plugins: $got"
EOF
