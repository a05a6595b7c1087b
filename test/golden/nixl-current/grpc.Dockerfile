# grpc gRPC (shared) from its release tag, against the Abseil artifact
FROM doca AS grpc
COPY --link --from=abseil /opt/stagewright/stage/abseil/ /
# GRPC_VERSION gRPC git tag
ARG GRPC_VERSION="v1.73.0"
# GRPC_COMMIT git commit that GRPC_VERSION must resolve to
ARG GRPC_COMMIT=""
# GRPC_CXX_STANDARD C++ standard of gRPC
ARG GRPC_CXX_STANDARD="20"
# SOURCE_MIRROR mirror for every source download, laid out as <mirror>/<host>/<path>; empty = the public URLs
ARG SOURCE_MIRROR=""
# NPROC parallel build jobs; empty = nproc
ARG NPROC=""
RUN --mount=type=cache,target=/root/.ccache,id=ccache,sharing=shared <<'EOF'
set -euo pipefail
export CCACHE_DIR=/root/.ccache PATH="/usr/lib/ccache:${PATH}"
cd /usr/local/src
repo="https://github.com/grpc/grpc.git"
filter=(--filter=blob:none)
if [ -n "${SOURCE_MIRROR}" ]; then repo="${SOURCE_MIRROR%/}/${repo#https://}"; filter=(); fi
git clone --quiet "${filter[@]}" "$repo" grpc
if [ -n "${GRPC_COMMIT}" ]; then
  git -C grpc checkout --quiet --detach "${GRPC_COMMIT}"
  if [ "$(git -C grpc rev-parse "${GRPC_VERSION}^{commit}")" != "${GRPC_COMMIT}" ]; then echo "stagewright: GRPC_VERSION=${GRPC_VERSION} is not commit ${GRPC_COMMIT}; pass the matching GRPC_COMMIT" >&2; exit 1; fi
else
  git -C grpc checkout --quiet --detach "${GRPC_VERSION}"
  echo "stagewright: grpc is NOT pinned to a commit (GRPC_COMMIT is empty); built from ${GRPC_VERSION} = $(git -C grpc rev-parse HEAD)" >&2
fi
git -C grpc submodule update --quiet --init --recursive --depth 1
cmake -S grpc -B grpc-build -DgRPC_INSTALL=ON -DgRPC_BUILD_TESTS=OFF -DBUILD_SHARED_LIBS=ON -DCMAKE_CXX_STANDARD="${GRPC_CXX_STANDARD}" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr/local -DCMAKE_PREFIX_PATH=/usr/local -Dabsl_DIR=/usr/local/lib/cmake/absl -DgRPC_SSL_PROVIDER=package -DgRPC_ABSL_PROVIDER=package -DgRPC_PROTOBUF_PROVIDER=module -DgRPC_ZLIB_PROVIDER=package
make -j"${NPROC:-$(nproc)}" -C grpc-build
make -C grpc-build DESTDIR=/opt/stagewright/stage/grpc install
cp -a /opt/stagewright/stage/grpc/. /
ldconfig
EOF
