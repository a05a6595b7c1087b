# doca DOCA host repository, GPUNetIO, rdma-core from the DOCA repository
FROM base AS doca
# TARGETARCH target architecture as BuildKit names it (amd64, arm64), from --platform
ARG TARGETARCH
# DOCA_BUILD DOCA host package build
ARG DOCA_BUILD="3.3.0-088000-26.01"
# DOCA_SHA256 sha256 of the DOCA host .deb download
ARG DOCA_SHA256=""
# SOURCE_MIRROR mirror for every source download, laid out as <mirror>/<host>/<path>; empty = the public URLs
ARG SOURCE_MIRROR=""
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt,sharing=locked <<'EOF'
set -euo pipefail
os="$(awk -F= '$1 == "DISTRIB_ID" {id = tolower($2)} $1 == "DISTRIB_RELEASE" {rel = $2} END {gsub(/\./, "", rel); print id rel}' /etc/lsb-release)"
doca_version="${DOCA_BUILD%%-*}"
url="https://www.mellanox.com/downloads/DOCA/DOCA_v${doca_version}/host/doca-host_${DOCA_BUILD}-${os}_${TARGETARCH}.deb"
if [ -n "${SOURCE_MIRROR}" ]; then url="${SOURCE_MIRROR%/}/${url#https://}"; fi
case "$url" in
  file://*) path="${url#file://}"; cp "$(printf '%b' "${path//%/\\x}")" /tmp/doca-host.deb ;;
  *) wget --tries=3 --waitretry=5 --timeout=30 --read-timeout=60 --no-verbose -O /tmp/doca-host.deb "$url" ;;
esac
if [ -z "${DOCA_SHA256}" ]; then echo "stagewright: /tmp/doca-host.deb has no pinned sha256 (DOCA_SHA256 is empty); it is NOT verified" >&2; sha256sum /tmp/doca-host.deb >&2; else echo "${DOCA_SHA256}  /tmp/doca-host.deb" | sha256sum -c -; fi
dpkg -i /tmp/doca-host.deb
rm -f /tmp/doca-host.deb /etc/apt/apt.conf.d/docker-clean
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get upgrade -y
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends doca-sdk-gpunetio libdoca-sdk-gpunetio-dev libdoca-sdk-verbs-dev
EOF

# Reinstall rdma-core from the DOCA repository: libfabric --enable-efa and UCX --with-efa need its headers
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt,sharing=locked <<'EOF'
set -euo pipefail
rm -f /etc/apt/apt.conf.d/docker-clean
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends --reinstall \
    ibverbs-providers \
    ibverbs-utils \
    libibumad-dev \
    libibverbs-dev \
    libnuma-dev \
    librdmacm-dev \
    rdma-core
EOF
