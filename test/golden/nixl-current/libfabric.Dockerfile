# libfabric libfabric from the release tarball: EFA provider, CUDA and GDRCopy dlopen'd
FROM doca AS libfabric
# LIBFABRIC_VERSION libfabric release tag (with its v)
ARG LIBFABRIC_VERSION="v2.5.1"
# LIBFABRIC_SHA256 sha256 of the libfabric release tarball download
ARG LIBFABRIC_SHA256=""
# SOURCE_MIRROR mirror for every source download, laid out as <mirror>/<host>/<path>; empty = the public URLs
ARG SOURCE_MIRROR=""
RUN <<'EOF'
set -euo pipefail
mkdir -p /usr/local/src/libfabric
cd /usr/local/src/libfabric
url="https://github.com/ofiwg/libfabric/releases/download/${LIBFABRIC_VERSION}/libfabric-${LIBFABRIC_VERSION#v}.tar.bz2"
if [ -n "${SOURCE_MIRROR}" ]; then url="${SOURCE_MIRROR%/}/${url#https://}"; fi
case "$url" in
  file://*) path="${url#file://}"; cp "$(printf '%b' "${path//%/\\x}")" libfabric.tar.bz2 ;;
  *) wget --tries=3 --waitretry=5 --timeout=30 --read-timeout=60 --no-verbose -O libfabric.tar.bz2 "$url" ;;
esac
if [ -z "${LIBFABRIC_SHA256}" ]; then echo "stagewright: libfabric.tar.bz2 has no pinned sha256 (LIBFABRIC_SHA256 is empty); it is NOT verified" >&2; sha256sum libfabric.tar.bz2 >&2; else echo "${LIBFABRIC_SHA256}  libfabric.tar.bz2" | sha256sum -c -; fi
tar -xjf libfabric.tar.bz2 --strip-components=1
EOF

COPY --link --from=gdrcopy /opt/stagewright/stage/gdrcopy/ /
# LIBFABRIC_INSTALL_PATH libfabric install prefix; every consumer builds and loads from here
ARG LIBFABRIC_INSTALL_PATH="/usr/local"
# NPROC parallel build jobs; empty = nproc
ARG NPROC=""
# GDRCOPY_PREFIX GDRCopy install prefix (lowercase prefix= in its Makefile)
ARG GDRCOPY_PREFIX="/usr/local"
RUN --mount=type=cache,target=/root/.ccache,id=ccache,sharing=shared <<'EOF'
set -euo pipefail
export CCACHE_DIR=/root/.ccache PATH="/usr/lib/ccache:${PATH}"
cd /usr/local/src/libfabric
./configure \
    --prefix="${LIBFABRIC_INSTALL_PATH}" \
    --disable-verbs \
    --disable-psm3 \
    --disable-opx \
    --disable-usnic \
    --enable-efa \
    --with-cuda=/usr/local/cuda \
    --enable-cuda-dlopen \
    --with-gdrcopy="${GDRCOPY_PREFIX}" \
    --enable-gdrcopy-dlopen
make -j"${NPROC:-$(nproc)}"
make DESTDIR=/opt/stagewright/stage/libfabric install
cp -a /opt/stagewright/stage/libfabric/. /
ldconfig
"${LIBFABRIC_INSTALL_PATH}/bin/fi_info" --version
EOF
