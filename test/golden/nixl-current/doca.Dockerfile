# doca DOCA apt repository (signed, key pinned by fingerprint), GPUNetIO, rdma-core from the DOCA repository: the image's one rdma-core
FROM base AS doca
# DOCA's signed apt repository for this release; apt verifies every package through the pinned key
# TARGETARCH target architecture as BuildKit names it (amd64, arm64), from --platform
ARG TARGETARCH
# DOCA_BUILD DOCA host package build
ARG DOCA_BUILD="3.3.0-088000-26.01"
# DOCA_SIGNER_FINGERPRINT full OpenPGP fingerprint of the key that signs the DOCA apt repository (required: none is pinned, docs/sources.md)
ARG DOCA_SIGNER_FINGERPRINT=""
# SOURCE_MIRROR mirror for every source download, laid out as <mirror>/<host>/<path>; empty = the public URLs
ARG SOURCE_MIRROR=""
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt,sharing=locked <<'EOF'
set -euo pipefail
os="$(awk -F= '$1 == "DISTRIB_ID" {id = tolower($2)} $1 == "DISTRIB_RELEASE" {rel = $2} END {print id rel}' /etc/lsb-release)"
case "${TARGETARCH}" in amd64) doca_arch=x86_64 ;; arm64) doca_arch=arm64-sbsa ;; *) echo "stagewright: DOCA has no repository for TARGETARCH=${TARGETARCH}" >&2; exit 1 ;; esac
doca_version="${DOCA_BUILD%%-*}"
if [ -z "${DOCA_SIGNER_FINGERPRINT}" ]; then echo "stagewright: DOCA_SIGNER_FINGERPRINT is empty, so the doca apt repository cannot be trusted: pass --build-arg DOCA_SIGNER_FINGERPRINT=<40 upper-case hex digits> (no public source read for this library states the full fingerprint of GPG-KEY-Mellanox.pub; docs/sources.md (row 7b) gives the command that reads it on a trusted machine)" >&2; exit 1; fi
url="https://linux.mellanox.com/public/repo/doca/GPG-KEY-Mellanox.pub"
if [ -n "${SOURCE_MIRROR}" ]; then url="${SOURCE_MIRROR%/}/${url#https://}"; fi
case "$url" in
  file://*) path="${url#file://}"; cp "$(printf '%b' "${path//%/\\x}")" /tmp/doca.key ;;
  *) wget --tries=3 --waitretry=5 --timeout=30 --read-timeout=60 --no-verbose -O /tmp/doca.key "$url" ;;
esac
GNUPGHOME="$(mktemp -d)"
export GNUPGHOME
gpg --batch --quiet --import /tmp/doca.key
fprs="$(gpg --batch --with-colons --fingerprint | awk -F: '$1 == "pub" {p = 1; next} p && $1 == "fpr" {print $10; p = 0}')"
if [ "$fprs" != "${DOCA_SIGNER_FINGERPRINT}" ]; then echo "stagewright: /tmp/doca.key holds the key(s) $fprs, expected exactly ${DOCA_SIGNER_FINGERPRINT}" >&2; exit 1; fi
mkdir -p /usr/share/keyrings
gpg --batch --export "${DOCA_SIGNER_FINGERPRINT}" > /usr/share/keyrings/doca.gpg
rm -rf "$GNUPGHOME" /tmp/doca.key
unset GNUPGHOME
echo "deb [signed-by=/usr/share/keyrings/doca.gpg] https://linux.mellanox.com/public/repo/doca/${doca_version}/${os}/${doca_arch}/ ./" > /etc/apt/sources.list.d/doca.list
rm -f /etc/apt/apt.conf.d/docker-clean
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

# One rdma-core origin: every rdma-core package from DOCA's repository at one version, and the EFA header the EFA providers build against
RUN <<'EOF'
set -euo pipefail
pkgs="$(dpkg-query -W -f='${db:Status-Abbrev}\t${Package}\t${Version}\t${source:Package}\t${source:Version}\n' | awk -F'\t' '$1 ~ /^.i/ && ($4 == "rdma-core" || $2 ~ /^(rdma-core|rdmacm-utils|ibverbs-|ibacm|infiniband-diags|libibverbs|libefa|librdmacm|libibumad|libibmad|libibnetdisc|libmlx[45]|python3-pyverbs)/) {print $2 "\t" $3 "\t" $4 "\t" $5}' | sort)"
if [ -z "$pkgs" ]; then echo "stagewright: no rdma-core (libibverbs, libefa and the other providers, librdmacm, libibumad) package is installed; install every rdma-core package from one repository: build the image FROM one stage that provides rdma-core (doca or efa-drivers, never both)" >&2; exit 1; fi
origins="$(awk -F'\t' '{print $3 " " $4}' <<< "$pkgs" | sort -u)"
if [ "$(grep -c . <<< "$origins")" -ne 1 ]; then
  echo "stagewright: rdma-core (libibverbs, libefa and the other providers, librdmacm, libibumad) must come from one source at one version, the image has:" >&2
  awk -F'\t' '{print "  " $1 " " $2 " (source " $3 " " $4 ")"}' <<< "$pkgs" >&2
  echo "  fix: install every rdma-core package from one repository: build the image FROM one stage that provides rdma-core (doca or efa-drivers, never both)" >&2
  exit 1
fi
echo "stagewright: rdma-core (libibverbs, libefa and the other providers, librdmacm, libibumad): $(grep -c . <<< "$pkgs") packages, all from source $origins"
if [ ! -e /usr/include/infiniband/efadv.h ]; then echo "stagewright: no infiniband/efadv.h from the DOCA repository: the EFA providers of libfabric and UCX cannot build; install libibverbs-dev from it" >&2; exit 1; fi
EOF
