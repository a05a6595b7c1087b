# efa-drivers AWS EFA installer user-space pieces (its libfabric is the image's libfabric)
FROM hpcx-ucx AS efa-drivers
# EFA_VERSION AWS EFA installer version
ARG EFA_VERSION="1.43.3"
# EFA_SIGNER_FINGERPRINT OpenPGP fingerprint of the key that signs the EFA installer (AWS EC2 user guide)
ARG EFA_SIGNER_FINGERPRINT="4E9091BCBB97A96B26B15E59A05480B1DD2D3CCC"
# SOURCE_MIRROR mirror for every source download, laid out as <mirror>/<host>/<path>; empty = the public URLs
ARG SOURCE_MIRROR=""
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt,sharing=locked <<'EOF'
set -euo pipefail
cd /tmp
url="https://efa-installer.amazonaws.com/aws-efa-installer-${EFA_VERSION}.tar.gz"
if [ -n "${SOURCE_MIRROR}" ]; then url="${SOURCE_MIRROR%/}/${url#https://}"; fi
case "$url" in
  file://*) path="${url#file://}"; cp "$(printf '%b' "${path//%/\\x}")" aws-efa-installer.tar.gz ;;
  *) wget --tries=3 --waitretry=5 --timeout=30 --read-timeout=60 --no-verbose -O aws-efa-installer.tar.gz "$url" ;;
esac
url="https://efa-installer.amazonaws.com/aws-efa-installer-${EFA_VERSION}.tar.gz.sig"
if [ -n "${SOURCE_MIRROR}" ]; then url="${SOURCE_MIRROR%/}/${url#https://}"; fi
case "$url" in
  file://*) path="${url#file://}"; cp "$(printf '%b' "${path//%/\\x}")" aws-efa-installer.tar.gz.sig ;;
  *) wget --tries=3 --waitretry=5 --timeout=30 --read-timeout=60 --no-verbose -O aws-efa-installer.tar.gz.sig "$url" ;;
esac
url="https://efa-installer.amazonaws.com/aws-efa-installer.key"
if [ -n "${SOURCE_MIRROR}" ]; then url="${SOURCE_MIRROR%/}/${url#https://}"; fi
case "$url" in
  file://*) path="${url#file://}"; cp "$(printf '%b' "${path//%/\\x}")" aws-efa-installer.key ;;
  *) wget --tries=3 --waitretry=5 --timeout=30 --read-timeout=60 --no-verbose -O aws-efa-installer.key "$url" ;;
esac
GNUPGHOME="$(mktemp -d)"
export GNUPGHOME
gpg --batch --quiet --import aws-efa-installer.key
fpr="$(gpg --batch --with-colons --fingerprint | awk -F: '$1 == "fpr" {print $10; exit}')"
if [ "$fpr" != "${EFA_SIGNER_FINGERPRINT}" ]; then echo "stagewright: aws-efa-installer.key has fingerprint $fpr, expected ${EFA_SIGNER_FINGERPRINT}" >&2; exit 1; fi
gpg --batch --verify aws-efa-installer.tar.gz.sig aws-efa-installer.tar.gz
rm -rf "$GNUPGHOME"
unset GNUPGHOME
tar -xzf aws-efa-installer.tar.gz
cd aws-efa-installer
rm -f /etc/apt/apt.conf.d/docker-clean
apt-get update
./efa_installer.sh -y --skip-kmod --skip-limit-conf --no-verify
cd /
rm -rf /tmp/aws-efa-installer /tmp/aws-efa-installer.tar.gz /tmp/aws-efa-installer.tar.gz.sig /tmp/aws-efa-installer.key
if [ ! -e /usr/include/infiniband/efadv.h ]; then echo "stagewright: no infiniband/efadv.h after the EFA installer: the EFA providers of libfabric and UCX cannot build; install libibverbs-dev" >&2; exit 1; fi
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
EOF

# --skip-limit-conf skips efa-config, which registers /opt/amazon/efa/lib with the loader: do it here (000_ sorts first)
RUN <<'EOF'
set -euo pipefail
printf '%s\n' /opt/amazon/efa/lib > /etc/ld.so.conf.d/000_efa.conf
ldconfig
test -e /opt/amazon/efa/lib/libfabric.so.1
EOF

ENV PATH="/opt/amazon/efa/bin:${PATH}"
