# libfabric libfabric from its git tag (autogen.sh): EFA provider, CUDA and GDRCopy dlopen'd
FROM base AS libfabric
# LIBFABRIC_VERSION libfabric release tag (with its v)
ARG LIBFABRIC_VERSION="v2.3.0"
# LIBFABRIC_COMMIT git commit that LIBFABRIC_VERSION must resolve to
ARG LIBFABRIC_COMMIT="ea52cb54cf0313f165a8015e6b93c9248721a15d"
# SOURCE_MIRROR mirror for every source download, laid out as <mirror>/<host>/<path>; empty = the public URLs
ARG SOURCE_MIRROR=""
RUN <<'EOF'
set -euo pipefail
cd /usr/local/src
repo="https://github.com/ofiwg/libfabric.git"
filter=(--filter=blob:none)
if [ -n "${SOURCE_MIRROR}" ]; then repo="${SOURCE_MIRROR%/}/${repo#https://}"; filter=(); fi
git clone --quiet "${filter[@]}" "$repo" libfabric
if [ -n "${LIBFABRIC_COMMIT}" ]; then
  git -C libfabric checkout --quiet --detach "${LIBFABRIC_COMMIT}"
  if [ "$(git -C libfabric rev-parse "${LIBFABRIC_VERSION}^{commit}")" != "${LIBFABRIC_COMMIT}" ]; then echo "stagewright: LIBFABRIC_VERSION=${LIBFABRIC_VERSION} is not commit ${LIBFABRIC_COMMIT}; pass the matching LIBFABRIC_COMMIT" >&2; exit 1; fi
else
  git -C libfabric checkout --quiet --detach "${LIBFABRIC_VERSION}"
  echo "stagewright: libfabric is NOT pinned to a commit (LIBFABRIC_COMMIT is empty); built from ${LIBFABRIC_VERSION} = $(git -C libfabric rev-parse HEAD)" >&2
fi
cd libfabric
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
# a git checkout ships no configure script
./autogen.sh
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
