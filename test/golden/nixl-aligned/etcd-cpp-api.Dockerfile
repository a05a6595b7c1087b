# etcd-cpp-api etcd-cpp-apiv3 (core only), pinned by commit
FROM base AS etcd-cpp-api
# ETCD_CPP_API_REF etcd-cpp-apiv3 git ref
ARG ETCD_CPP_API_REF="7c6e714f188f9576e25e0350cac4181139eec23e"
# ETCD_CPP_API_COMMIT git commit that ETCD_CPP_API_REF must resolve to
ARG ETCD_CPP_API_COMMIT="7c6e714f188f9576e25e0350cac4181139eec23e"
# SOURCE_MIRROR mirror for every source download, laid out as <mirror>/<host>/<path>; empty = the public URLs
ARG SOURCE_MIRROR=""
# NPROC parallel build jobs; empty = nproc
ARG NPROC=""
RUN --mount=type=cache,target=/root/.ccache,id=ccache,sharing=shared <<'EOF'
set -euo pipefail
export CCACHE_DIR=/root/.ccache PATH="/usr/lib/ccache:${PATH}"
cd /usr/local/src
repo="https://github.com/etcd-cpp-apiv3/etcd-cpp-apiv3.git"
filter=(--filter=blob:none)
if [ -n "${SOURCE_MIRROR}" ]; then repo="${SOURCE_MIRROR%/}/${repo#https://}"; filter=(); fi
git clone --quiet "${filter[@]}" "$repo" etcd-cpp-apiv3
if [ -n "${ETCD_CPP_API_COMMIT}" ]; then
  git -C etcd-cpp-apiv3 checkout --quiet --detach "${ETCD_CPP_API_COMMIT}"
  if [ "$(git -C etcd-cpp-apiv3 rev-parse "${ETCD_CPP_API_REF}^{commit}")" != "${ETCD_CPP_API_COMMIT}" ]; then echo "stagewright: ETCD_CPP_API_REF=${ETCD_CPP_API_REF} is not commit ${ETCD_CPP_API_COMMIT}; pass the matching ETCD_CPP_API_COMMIT" >&2; exit 1; fi
else
  git -C etcd-cpp-apiv3 checkout --quiet --detach "${ETCD_CPP_API_REF}"
  echo "stagewright: etcd-cpp-apiv3 is NOT pinned to a commit (ETCD_CPP_API_COMMIT is empty); built from ${ETCD_CPP_API_REF} = $(git -C etcd-cpp-apiv3 rev-parse HEAD)" >&2
fi
cd etcd-cpp-apiv3
# The cpprestsdk dependency is only needed by the non-core client (as the official image does)
sed -i '/^find_dependency(cpprestsdk)$/d' etcd-cpp-api-config.in.cmake
cmake -S . -B build -DBUILD_ETCD_CORE_ONLY=ON -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr/local
make -j"${NPROC:-$(nproc)}" -C build
make -C build DESTDIR=/opt/stagewright/stage/etcd-cpp-api install
cp -a /opt/stagewright/stage/etcd-cpp-api/. /
ldconfig
EOF
