# aws-ofi-nccl aws-ofi-nccl (NCCL net plugin) built against the image's libfabric artifact
FROM base AS aws-ofi-nccl
# AWS_OFI_NCCL_VERSION aws-ofi-nccl tag
ARG AWS_OFI_NCCL_VERSION="v1.12.1-aws"
# AWS_OFI_NCCL_SHA256 sha256 of the aws-ofi-nccl tag archive download
ARG AWS_OFI_NCCL_SHA256="821f0929c016e5448785bbc6795af5096559ecfc6c9479eb3818cafa61424576"
# SOURCE_MIRROR mirror for every source download, laid out as <mirror>/<host>/<path>; empty = the public URLs
ARG SOURCE_MIRROR=""
RUN <<'EOF'
set -euo pipefail
mkdir -p /usr/local/src/aws-ofi-nccl
cd /usr/local/src/aws-ofi-nccl
url="https://github.com/aws/aws-ofi-nccl/archive/refs/tags/${AWS_OFI_NCCL_VERSION}.tar.gz"
if [ -n "${SOURCE_MIRROR}" ]; then url="${SOURCE_MIRROR%/}/${url#https://}"; fi
case "$url" in
  file://*) path="${url#file://}"; cp "$(printf '%b' "${path//%/\\x}")" aws-ofi-nccl.tar.gz ;;
  *) wget --tries=3 --waitretry=5 --timeout=30 --read-timeout=60 --no-verbose -O aws-ofi-nccl.tar.gz "$url" ;;
esac
if [ -z "${AWS_OFI_NCCL_SHA256}" ]; then echo "stagewright: aws-ofi-nccl.tar.gz has no pinned sha256 (AWS_OFI_NCCL_SHA256 is empty); it is NOT verified" >&2; sha256sum aws-ofi-nccl.tar.gz >&2; else echo "${AWS_OFI_NCCL_SHA256}  aws-ofi-nccl.tar.gz" | sha256sum -c -; fi
tar -xzf aws-ofi-nccl.tar.gz --strip-components=1
EOF

COPY --link --from=libfabric /opt/stagewright/stage/libfabric/ /
# AWS_OFI_NCCL_PREFIX aws-ofi-nccl install prefix
ARG AWS_OFI_NCCL_PREFIX="/opt/amazon/ofi-nccl"
# NPROC parallel build jobs; empty = nproc
ARG NPROC=""
# LIBFABRIC_INSTALL_PATH libfabric install prefix; every consumer builds and loads from here
ARG LIBFABRIC_INSTALL_PATH="/usr/local"
RUN --mount=type=cache,target=/root/.ccache,id=ccache,sharing=shared <<'EOF'
set -euo pipefail
export CCACHE_DIR=/root/.ccache PATH="/usr/lib/ccache:${PATH}"
cd /usr/local/src/aws-ofi-nccl
# a tag archive has no configure script
./autogen.sh
./configure \
    --prefix="${AWS_OFI_NCCL_PREFIX}" \
    --libdir="${AWS_OFI_NCCL_PREFIX}/lib" \
    --with-libfabric="${LIBFABRIC_INSTALL_PATH}" \
    --with-cuda=/usr/local/cuda \
    --with-hwloc=/usr \
    --enable-platform-aws \
    --disable-tests
make -j"${NPROC:-$(nproc)}"
make DESTDIR=/opt/stagewright/stage/aws-ofi-nccl install
cp -a /opt/stagewright/stage/aws-ofi-nccl/. /
ldconfig
EOF
