# gdrcopy GDRCopy user-space library (libgdrapi); the gdrdrv module comes from the host
FROM base AS gdrcopy
# GDRCOPY_VERSION GDRCopy release tag
ARG GDRCOPY_VERSION="v2.4.1"
# GDRCOPY_PREFIX GDRCopy install prefix (lowercase prefix= in its Makefile)
ARG GDRCOPY_PREFIX="/usr/local"
# GDRCOPY_SHA256 sha256 of the GDRCopy tag archive download
ARG GDRCOPY_SHA256="faa7e816e9bad3301e53d6721457f7ef5ab42b7aa3b01ffda51f8e5620bb20ed"
# SOURCE_MIRROR mirror for every source download, laid out as <mirror>/<host>/<path>; empty = the public URLs
ARG SOURCE_MIRROR=""
# NPROC parallel build jobs; empty = nproc
ARG NPROC=""
RUN --mount=type=cache,target=/root/.ccache,id=ccache,sharing=shared <<'EOF'
set -euo pipefail
export CCACHE_DIR=/root/.ccache PATH="/usr/lib/ccache:${PATH}"
mkdir -p /usr/local/src/gdrcopy
cd /usr/local/src/gdrcopy
url="https://github.com/NVIDIA/gdrcopy/archive/refs/tags/${GDRCOPY_VERSION}.tar.gz"
if [ -n "${SOURCE_MIRROR}" ]; then url="${SOURCE_MIRROR%/}/${url#https://}"; fi
case "$url" in
  file://*) path="${url#file://}"; cp "$(printf '%b' "${path//%/\\x}")" gdrcopy.tar.gz ;;
  *) wget --tries=3 --waitretry=5 --timeout=30 --read-timeout=60 --no-verbose -O gdrcopy.tar.gz "$url" ;;
esac
if [ -z "${GDRCOPY_SHA256}" ]; then echo "stagewright: gdrcopy.tar.gz has no pinned sha256 (GDRCOPY_SHA256 is empty); it is NOT verified" >&2; sha256sum gdrcopy.tar.gz >&2; else echo "${GDRCOPY_SHA256}  gdrcopy.tar.gz" | sha256sum -c -; fi
tar -xzf gdrcopy.tar.gz --strip-components=1
make -j"${NPROC:-$(nproc)}" prefix="${GDRCOPY_PREFIX}" lib
make prefix="${GDRCOPY_PREFIX}" DESTDIR=/opt/stagewright/stage/gdrcopy lib_install
test -e "/opt/stagewright/stage/gdrcopy${GDRCOPY_PREFIX}/lib/libgdrapi.so"
cp -a /opt/stagewright/stage/gdrcopy/. /
ldconfig
EOF
