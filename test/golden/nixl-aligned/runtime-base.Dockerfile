# runtime-base CUDA runtime image (the lean flavour): the artifacts' run-time packages, rdma-core from DOCA's signed repository, libcudart.so
FROM ${RUNTIME_IMAGE}:${RUNTIME_TAG} AS runtime-base
SHELL ["/bin/bash", "-euo", "pipefail", "-c"]
# What the artifacts load at run time (their runtimePackages), and what this stage runs
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt,sharing=locked <<'EOF'
set -euo pipefail
rm -f /etc/apt/apt.conf.d/docker-clean
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    ca-certificates \
    gnupg \
    libaio1t64 \
    libcurl4t64 \
    libgflags2.2 \
    libgrpc++1.51t64 \
    libgrpc29t64 \
    libhwloc15 \
    libnuma1 \
    libprotobuf32t64 \
    libssl3t64 \
    liburing2 \
    python3 \
    wget
EOF

# rdma-core's run-time packages from DOCA's signed repository (the doca stage's release and key): the rdma-core the builders compiled against
# TARGETARCH target architecture as BuildKit names it (amd64, arm64), from --platform
ARG TARGETARCH
# DOCA_BUILD DOCA host package build
ARG DOCA_BUILD="3.1.0-091000-25.07"
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
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ibverbs-providers ibverbs-utils rdmacm-utils
EOF

# One rdma-core origin, and the unversioned libcudart.so that libfabric dlopens
# RUNTIME_TAG runtime image tag
ARG RUNTIME_TAG="12.9.1-runtime-ubuntu24.04"
RUN <<'EOF'
set -euo pipefail
echo "stagewright: runtime image tag ${RUNTIME_TAG}, CUDA ${CUDA_VERSION:-unknown}"
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
ldconfig
cache="$(ldconfig -p)"
if ! awk '$1 == "libcudart.so" {f = 1} END {exit !f}' <<< "$cache"; then
  so="$(awk '$1 ~ /^libcudart\.so\.[0-9]+$/ {print $NF; exit}' <<< "$cache")"
  if [ -z "$so" ]; then echo "stagewright: the runtime image has no libcudart.so.<major>: use a CUDA runtime image (nvcr.io/nvidia/cuda:<version>-runtime-<os>)" >&2; exit 1; fi
  ln -s "$(basename "$so")" "$(dirname "$so")/libcudart.so"
  ldconfig
  echo "stagewright: libcudart.so -> $so (libfabric dlopens the unversioned name)"
fi
EOF
