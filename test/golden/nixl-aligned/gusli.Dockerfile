# gusli gusli client library (NIXL GUSLI plugin), pinned by commit
FROM base AS gusli
# GUSLI_REF gusli git ref (the repository has no release tags)
ARG GUSLI_REF="8b7a3b285ea9d01a8fc9135cd4ad889c7db1f800"
# GUSLI_COMMIT git commit that GUSLI_REF must resolve to
ARG GUSLI_COMMIT="8b7a3b285ea9d01a8fc9135cd4ad889c7db1f800"
# SOURCE_MIRROR mirror for every source download, laid out as <mirror>/<host>/<path>; empty = the public URLs
ARG SOURCE_MIRROR=""
RUN --mount=type=cache,target=/root/.ccache,id=ccache,sharing=shared <<'EOF'
set -euo pipefail
export CCACHE_DIR=/root/.ccache PATH="/usr/lib/ccache:${PATH}"
cd /usr/local/src
repo="https://github.com/nvidia/gusli.git"
filter=(--filter=blob:none)
if [ -n "${SOURCE_MIRROR}" ]; then repo="${SOURCE_MIRROR%/}/${repo#https://}"; filter=(); fi
git clone --quiet "${filter[@]}" "$repo" gusli
if [ -n "${GUSLI_COMMIT}" ]; then
  git -C gusli checkout --quiet --detach "${GUSLI_COMMIT}"
  if [ "$(git -C gusli rev-parse "${GUSLI_REF}^{commit}")" != "${GUSLI_COMMIT}" ]; then echo "stagewright: GUSLI_REF=${GUSLI_REF} is not commit ${GUSLI_COMMIT}; pass the matching GUSLI_COMMIT" >&2; exit 1; fi
else
  git -C gusli checkout --quiet --detach "${GUSLI_REF}"
  echo "stagewright: gusli is NOT pinned to a commit (GUSLI_COMMIT is empty); built from ${GUSLI_REF} = $(git -C gusli rev-parse HEAD)" >&2
fi
cd gusli
make all BUILD_RELEASE=1 BUILD_FOR_UNITEST=0 VERBOSE=1 ALLOW_USE_URING=0
install -D -m 755 -t /opt/stagewright/stage/gusli/usr/lib /usr/lib/libgusli_clnt.so /usr/lib/libgusli_srvr.so
install -D -m 644 -t /opt/stagewright/stage/gusli/usr/include gusli_client_api.hpp gusli_server_api.hpp
EOF
