# nccl NCCL from its tag archive
FROM efa-drivers AS nccl
# NCCL_VERSION NCCL tag
ARG NCCL_VERSION="v2.23.4-1"
# NCCL_PREFIX NCCL install prefix
ARG NCCL_PREFIX="/usr/local"
# NCCL_SHA256 sha256 of the NCCL tag archive download
ARG NCCL_SHA256="6b946b70a9d2d01871842cbd15ec56488d358abe9a0f3767e372fddc3e241ba7"
# NCCL_GENCODE NVCC_GENCODE for NCCL (fewer targets build faster)
ARG NCCL_GENCODE="-gencode=arch=compute_80,code=sm_80 -gencode=arch=compute_90,code=sm_90 -gencode=arch=compute_100,code=sm_100 -gencode=arch=compute_120,code=sm_120 -gencode=arch=compute_120,code=compute_120"
# SOURCE_MIRROR mirror for every source download, laid out as <mirror>/<host>/<path>; empty = the public URLs
ARG SOURCE_MIRROR=""
# NPROC parallel build jobs; empty = nproc
ARG NPROC=""
RUN --mount=type=cache,target=/root/.ccache,id=ccache,sharing=shared <<'EOF'
set -euo pipefail
export CCACHE_DIR=/root/.ccache PATH="/usr/lib/ccache:${PATH}"
mkdir -p /usr/local/src/nccl
cd /usr/local/src/nccl
url="https://github.com/NVIDIA/nccl/archive/refs/tags/${NCCL_VERSION}.tar.gz"
if [ -n "${SOURCE_MIRROR}" ]; then url="${SOURCE_MIRROR%/}/${url#https://}"; fi
case "$url" in
  file://*) path="${url#file://}"; cp "$(printf '%b' "${path//%/\\x}")" nccl.tar.gz ;;
  *) wget --tries=3 --waitretry=5 --timeout=30 --read-timeout=60 --no-verbose -O nccl.tar.gz "$url" ;;
esac
if [ -z "${NCCL_SHA256}" ]; then echo "stagewright: nccl.tar.gz has no pinned sha256 (NCCL_SHA256 is empty); it is NOT verified" >&2; sha256sum nccl.tar.gz >&2; else echo "${NCCL_SHA256}  nccl.tar.gz" | sha256sum -c -; fi
tar -xzf nccl.tar.gz --strip-components=1
make -j"${NPROC:-$(nproc)}" src.build CUDA_HOME=/usr/local/cuda NVCC_GENCODE="${NCCL_GENCODE}" PREFIX="${NCCL_PREFIX}"
# NCCL's install target has no DESTDIR: stage the files its install target copies
mkdir -p "/opt/stagewright/stage/nccl${NCCL_PREFIX}/lib/pkgconfig" "/opt/stagewright/stage/nccl${NCCL_PREFIX}/include"
cp -P build/lib/lib* "/opt/stagewright/stage/nccl${NCCL_PREFIX}/lib/"
cp -P build/lib/pkgconfig/* "/opt/stagewright/stage/nccl${NCCL_PREFIX}/lib/pkgconfig/"
cp build/include/* "/opt/stagewright/stage/nccl${NCCL_PREFIX}/include/"
cp -a /opt/stagewright/stage/nccl/. /
ldconfig
EOF
