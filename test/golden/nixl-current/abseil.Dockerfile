# abseil Abseil (shared) from its release tag, for gRPC and NIXL
FROM doca AS abseil
# ABSEIL_VERSION abseil-cpp git tag
ARG ABSEIL_VERSION="20250814.2"
# ABSEIL_COMMIT git commit that ABSEIL_VERSION must resolve to
ARG ABSEIL_COMMIT="0cf0a5c9d12cc3783363ab20f11613e69fd04c9a"
# ABSEIL_CXX_STANDARD C++ standard of abseil (and of what links it)
ARG ABSEIL_CXX_STANDARD="20"
# SOURCE_MIRROR mirror for every source download, laid out as <mirror>/<host>/<path>; empty = the public URLs
ARG SOURCE_MIRROR=""
# NPROC parallel build jobs; empty = nproc
ARG NPROC=""
RUN --mount=type=cache,target=/root/.ccache,id=ccache,sharing=shared <<'EOF'
set -euo pipefail
export CCACHE_DIR=/root/.ccache PATH="/usr/lib/ccache:${PATH}"
cd /usr/local/src
repo="https://github.com/abseil/abseil-cpp.git"
filter=(--filter=blob:none)
if [ -n "${SOURCE_MIRROR}" ]; then repo="${SOURCE_MIRROR%/}/${repo#https://}"; filter=(); fi
git clone --quiet "${filter[@]}" "$repo" abseil-cpp
if [ -n "${ABSEIL_COMMIT}" ]; then
  git -C abseil-cpp checkout --quiet --detach "${ABSEIL_COMMIT}"
  if [ "$(git -C abseil-cpp rev-parse "${ABSEIL_VERSION}^{commit}")" != "${ABSEIL_COMMIT}" ]; then echo "stagewright: ABSEIL_VERSION=${ABSEIL_VERSION} is not commit ${ABSEIL_COMMIT}; pass the matching ABSEIL_COMMIT" >&2; exit 1; fi
else
  git -C abseil-cpp checkout --quiet --detach "${ABSEIL_VERSION}"
  echo "stagewright: abseil-cpp is NOT pinned to a commit (ABSEIL_COMMIT is empty); built from ${ABSEIL_VERSION} = $(git -C abseil-cpp rev-parse HEAD)" >&2
fi
cmake -S abseil-cpp -B abseil-build -DCMAKE_INSTALL_PREFIX=/usr/local -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_STANDARD="${ABSEIL_CXX_STANDARD}" -DBUILD_SHARED_LIBS=ON -DABSL_PROPAGATE_CXX_STD=ON -DABSL_ENABLE_INSTALL=ON
make -j"${NPROC:-$(nproc)}" -C abseil-build
make -C abseil-build DESTDIR=/opt/stagewright/stage/abseil install
cp -a /opt/stagewright/stage/abseil/. /
ldconfig
EOF
