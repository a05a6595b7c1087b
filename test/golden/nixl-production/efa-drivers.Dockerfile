# efa-drivers AWS EFA installer user-space pieces (its libfabric is the image's libfabric)
FROM hpcx-ucx AS efa-drivers
# EFA_VERSION AWS EFA installer version
ARG EFA_VERSION="1.43.3"
# EFA_SHA256 sha256 of the EFA installer tarball download
ARG EFA_SHA256=""
# SOURCE_MIRROR mirror for every source download, laid out as <mirror>/<host>/<path>; empty = the public URLs
ARG SOURCE_MIRROR=""
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt,sharing=locked <<'EOF'
set -euo pipefail
cd /tmp
url="https://efa-installer.amazonaws.com/aws-efa-installer-${EFA_VERSION}.tar.gz"
if [ -n "${SOURCE_MIRROR}" ]; then url="${SOURCE_MIRROR%/}/${url#https://}"; fi
wget --tries=3 --waitretry=5 --timeout=30 --read-timeout=60 --no-verbose -O aws-efa-installer.tar.gz "$url"
if [ -z "${EFA_SHA256}" ]; then echo "stagewright: aws-efa-installer.tar.gz has no pinned sha256 (EFA_SHA256 is empty); it is NOT verified" >&2; sha256sum aws-efa-installer.tar.gz >&2; else echo "${EFA_SHA256}  aws-efa-installer.tar.gz" | sha256sum -c -; fi
tar -xzf aws-efa-installer.tar.gz
cd aws-efa-installer
rm -f /etc/apt/apt.conf.d/docker-clean
apt-get update
./efa_installer.sh -y --skip-kmod --skip-limit-conf --no-verify
cd /
rm -rf /tmp/aws-efa-installer /tmp/aws-efa-installer.tar.gz
EOF

# --skip-limit-conf skips efa-config, which registers /opt/amazon/efa/lib with the loader: do it here (000_ sorts first)
RUN <<'EOF'
set -euo pipefail
printf '%s\n' /opt/amazon/efa/lib > /etc/ld.so.conf.d/000_efa.conf
ldconfig
test -e /opt/amazon/efa/lib/libfabric.so.1
EOF

ENV PATH="/opt/amazon/efa/bin:${PATH}"
