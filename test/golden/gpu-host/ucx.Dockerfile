# ucx UCX with verbs, EFA, CUDA and GDRCopy, multi-threaded
FROM base AS ucx
# UCX_VERSION UCX git tag
ARG UCX_VERSION="v1.19.0"
# UCX_COMMIT git commit that UCX_VERSION must resolve to
ARG UCX_COMMIT="e4636149592d5a435c2c911fe7727444a13bfa2e"
# SOURCE_MIRROR mirror for every source download, laid out as <mirror>/<host>/<path>; empty = the public URLs
ARG SOURCE_MIRROR=""
RUN <<'EOF'
set -euo pipefail
cd /usr/local/src
repo="https://github.com/openucx/ucx.git"
filter=(--filter=blob:none)
if [ -n "${SOURCE_MIRROR}" ]; then repo="${SOURCE_MIRROR%/}/${repo#https://}"; filter=(); fi
git clone --quiet "${filter[@]}" "$repo" ucx
if [ -n "${UCX_COMMIT}" ]; then
  git -C ucx checkout --quiet --detach "${UCX_COMMIT}"
  if [ "$(git -C ucx rev-parse "${UCX_VERSION}^{commit}")" != "${UCX_COMMIT}" ]; then echo "stagewright: UCX_VERSION=${UCX_VERSION} is not commit ${UCX_COMMIT}; pass the matching UCX_COMMIT" >&2; exit 1; fi
else
  git -C ucx checkout --quiet --detach "${UCX_VERSION}"
  echo "stagewright: ucx is NOT pinned to a commit (UCX_COMMIT is empty); built from ${UCX_VERSION} = $(git -C ucx rev-parse HEAD)" >&2
fi
cd ucx
EOF

COPY --link --from=gdrcopy /opt/stagewright/stage/gdrcopy/ /
# UCX_PREFIX UCX install prefix
ARG UCX_PREFIX="/usr/local/ucx"
# NPROC parallel build jobs; empty = nproc
ARG NPROC=""
# GDRCOPY_PREFIX GDRCopy install prefix (lowercase prefix= in its Makefile)
ARG GDRCOPY_PREFIX="/usr/local"
RUN --mount=type=cache,target=/root/.ccache,id=ccache,sharing=shared <<'EOF'
set -euo pipefail
export CCACHE_DIR=/root/.ccache PATH="/usr/lib/ccache:${PATH}"
cd /usr/local/src/ucx
./autogen.sh
./configure \
    --prefix="${UCX_PREFIX}" \
    --enable-shared \
    --disable-static \
    --disable-doxygen-doc \
    --enable-optimizations \
    --enable-cma \
    --enable-devel-headers \
    --with-cuda=/usr/local/cuda \
    --with-verbs \
    --with-dm \
    --with-gdrcopy="${GDRCOPY_PREFIX}" \
    --with-efa \
    --enable-mt \
    --without-java \
    --without-mcpu \
    --without-march
make -j"${NPROC:-$(nproc)}"
make -j"${NPROC:-$(nproc)}" DESTDIR=/opt/stagewright/stage/ucx install-strip
cp -a /opt/stagewright/stage/ucx/. /
ldconfig
"${UCX_PREFIX}/bin/ucx_info" -v
EOF
