# aws-sdk-cpp AWS SDK for C++, s3 only (NIXL OBJ plugin)
FROM base AS aws-sdk-cpp
# AWS_SDK_CPP_VERSION aws-sdk-cpp git tag
ARG AWS_SDK_CPP_VERSION="1.11.581"
# AWS_SDK_CPP_COMMIT git commit that AWS_SDK_CPP_VERSION must resolve to
ARG AWS_SDK_CPP_COMMIT="b2b92558b3f121286a24d9b3327dbf35651ffc72"
# SOURCE_MIRROR mirror for every source download, laid out as <mirror>/<host>/<path>; empty = the public URLs
ARG SOURCE_MIRROR=""
# NPROC parallel build jobs; empty = nproc
ARG NPROC=""
RUN --mount=type=cache,target=/root/.ccache,id=ccache,sharing=shared <<'EOF'
set -euo pipefail
export CCACHE_DIR=/root/.ccache PATH="/usr/lib/ccache:${PATH}"
cd /usr/local/src
repo="https://github.com/aws/aws-sdk-cpp.git"
filter=(--filter=blob:none)
if [ -n "${SOURCE_MIRROR}" ]; then repo="${SOURCE_MIRROR%/}/${repo#https://}"; filter=(); fi
git clone --quiet "${filter[@]}" "$repo" aws-sdk-cpp
if [ -n "${AWS_SDK_CPP_COMMIT}" ]; then
  git -C aws-sdk-cpp checkout --quiet --detach "${AWS_SDK_CPP_COMMIT}"
  if [ "$(git -C aws-sdk-cpp rev-parse "${AWS_SDK_CPP_VERSION}^{commit}")" != "${AWS_SDK_CPP_COMMIT}" ]; then echo "stagewright: AWS_SDK_CPP_VERSION=${AWS_SDK_CPP_VERSION} is not commit ${AWS_SDK_CPP_COMMIT}; pass the matching AWS_SDK_CPP_COMMIT" >&2; exit 1; fi
else
  git -C aws-sdk-cpp checkout --quiet --detach "${AWS_SDK_CPP_VERSION}"
  echo "stagewright: aws-sdk-cpp is NOT pinned to a commit (AWS_SDK_CPP_COMMIT is empty); built from ${AWS_SDK_CPP_VERSION} = $(git -C aws-sdk-cpp rev-parse HEAD)" >&2
fi
git -C aws-sdk-cpp submodule update --quiet --init --recursive --depth 1
cmake -S aws-sdk-cpp -B aws-sdk-build -DCMAKE_BUILD_TYPE=Release -DBUILD_ONLY="s3" -DENABLE_TESTING=OFF -DCMAKE_INSTALL_PREFIX=/usr/local
make -j"${NPROC:-$(nproc)}" -C aws-sdk-build
make -C aws-sdk-build DESTDIR=/opt/stagewright/stage/aws-sdk-cpp install
cp -a /opt/stagewright/stage/aws-sdk-cpp/. /
ldconfig
EOF
