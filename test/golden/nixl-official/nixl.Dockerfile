# nixl NIXL built with meson (debug) against the libfabric and UCX artifacts; Rust bindings, wheel, nixlbench
FROM base-gdrcopy AS nixl
# NIXL_VERSION NIXL release tag (no v prefix up to 0.10.1)
ARG NIXL_VERSION="0.7.1"
# NIXL_COMMIT git commit that NIXL_VERSION must resolve to
ARG NIXL_COMMIT="97c9b5b48e2ed3f1f2539c461c4971a7db8b1197"
# SOURCE_MIRROR mirror for every source download, laid out as <mirror>/<host>/<path>; empty = the public URLs
ARG SOURCE_MIRROR=""
RUN <<'EOF'
set -euo pipefail
mkdir -p /workspace
cd /workspace
repo="https://github.com/ai-dynamo/nixl.git"
filter=(--filter=blob:none)
if [ -n "${SOURCE_MIRROR}" ]; then repo="${SOURCE_MIRROR%/}/${repo#https://}"; filter=(); fi
git clone --quiet "${filter[@]}" "$repo" nixl
if [ -n "${NIXL_COMMIT}" ]; then
  git -C nixl checkout --quiet --detach "${NIXL_COMMIT}"
  if [ "$(git -C nixl rev-parse "${NIXL_VERSION}^{commit}")" != "${NIXL_COMMIT}" ]; then echo "stagewright: NIXL_VERSION=${NIXL_VERSION} is not commit ${NIXL_COMMIT}; pass the matching NIXL_COMMIT" >&2; exit 1; fi
else
  git -C nixl checkout --quiet --detach "${NIXL_VERSION}"
  echo "stagewright: nixl is NOT pinned to a commit (NIXL_COMMIT is empty); built from ${NIXL_VERSION} = $(git -C nixl rev-parse HEAD)" >&2
fi
cd nixl
EOF

COPY --link --from=libfabric /opt/stagewright/stage/libfabric/ /
COPY --link --from=ucx /opt/stagewright/stage/ucx/ /
COPY --link --from=etcd-cpp-api /opt/stagewright/stage/etcd-cpp-api/ /
COPY --link --from=aws-sdk-cpp /opt/stagewright/stage/aws-sdk-cpp/ /
COPY --link --from=gusli /opt/stagewright/stage/gusli/ /
# NIXL_PREFIX NIXL install prefix
ARG NIXL_PREFIX="/usr/local/nixl"
# NIXL_BUILD_TYPE meson build type (0.7.x defaults to debug when none is given)
ARG NIXL_BUILD_TYPE="debug"
# TARGETARCH target architecture as BuildKit names it (amd64, arm64), from --platform
ARG TARGETARCH
# ARCH target CPU architecture as uname -m prints it (x86_64, aarch64), computed from TARGETARCH (set by --platform)
ARG ARCH="${TARGETARCH/amd64/x86_64}"
ARG ARCH="${ARCH/arm64/aarch64}"
# MESON_WRAP_SHA256S sha256 of meson wrap files the mirror substituted (file=sha256 ...); empty = the wraps' own hashes
ARG MESON_WRAP_SHA256S=""
# NPROC parallel build jobs; empty = nproc
ARG NPROC=""
# LIBFABRIC_INSTALL_PATH libfabric install prefix; every consumer builds and loads from here
ARG LIBFABRIC_INSTALL_PATH="/usr/local"
# UCX_PREFIX UCX install prefix
ARG UCX_PREFIX="/usr"
RUN --mount=type=cache,target=/root/.ccache,id=ccache,sharing=shared <<'EOF'
set -euo pipefail
export CCACHE_DIR=/root/.ccache PATH="/usr/lib/ccache:${PATH}"
cd /workspace/nixl
# NIXL's meson builds the nixl meta wheel with uv whenever uv is on PATH; with build isolation off uv runs this Python's setuptools
req="$(sed -n 's/^requires = \["setuptools\([^"]*\)"\]$/\1/p' src/bindings/python/nixl-meta/pyproject.toml.in)"
case "${UV_NO_BUILD_ISOLATION:-}" in 1 | true | yes | on) isolated=no ;; *) isolated=yes ;; esac
if command -v uv > /dev/null && [ "$isolated" = no ]; then
  if ! have="$(python3 -c 'import setuptools; print(setuptools.__version__)' 2> /dev/null)"; then have=""; fi
  if [ -z "$have" ] || ! python3 -c 'import sys; v = lambda s: tuple(int(x) for x in s.split(".")[:3] if x.isdigit()); sys.exit(0 if v(sys.argv[1]) >= v(sys.argv[2]) else 1)' "$have" "${req#>=}"; then
    echo "stagewright: NIXL builds its nixl meta wheel with uv (uv is on PATH, build isolation off), which needs setuptools${req} in the Python environment of $(command -v python3), and it has ${have:-none}: make the venv with setuptools (option setuptools: true of cudaDlBase or pythonVenv, the default), or install it, or take uv off PATH" >&2
    exit 1
  fi
fi
# The wrap subprojects (abseil-cpp, asio, taskflow): from SOURCE_MIRROR into subprojects/packagecache when one is given, else meson downloads them
if [ -n "${SOURCE_MIRROR}" ]; then
  mkdir -p subprojects/packagecache
  for wrap in subprojects/*.wrap; do
    if ! grep -qx '\[wrap-file\]' "$wrap"; then continue; fi
    for kind in source patch; do
      url="$(awk -F ' *= *' -v k="${kind}_url" '$1 == k {print $2}' "$wrap")"
      file="$(awk -F ' *= *' -v k="${kind}_filename" '$1 == k {print $2}' "$wrap")"
      hash="$(awk -F ' *= *' -v k="${kind}_hash" '$1 == k {print $2}' "$wrap")"
      if [ -z "$url" ] || [ -z "$file" ]; then continue; fi
      for pair in ${MESON_WRAP_SHA256S}; do
        if [ "${pair%%=*}" = "$file" ]; then
          hash="${pair#*=}"
          sed -i "s/^${kind}_hash *=.*/${kind}_hash = $hash/" "$wrap"
          echo "stagewright: $wrap: $file is checked against the sha256 passed in MESON_WRAP_SHA256S (a file the mirror substituted), not the wrap's own" >&2
        fi
      done
      if [ -n "${SOURCE_MIRROR}" ]; then url="${SOURCE_MIRROR%/}/${url#https://}"; fi
      case "$url" in
        file://*) path="${url#file://}"; cp "$(printf '%b' "${path//%/\\x}")" "subprojects/packagecache/$file" ;;
        *) wget --tries=3 --waitretry=5 --timeout=30 --read-timeout=60 --no-verbose -O "subprojects/packagecache/$file" "$url" ;;
      esac
      echo "$hash  subprojects/packagecache/$file" | sha256sum -c -
    done
  done
fi
meson setup build/ \
    --prefix="${NIXL_PREFIX}" \
    --buildtype="${NIXL_BUILD_TYPE}" \
    -Db_ndebug=if-release \
    -Dlibfabric_path="${LIBFABRIC_INSTALL_PATH}" \
    -Ducx_path="${UCX_PREFIX}"
ninja -C build -j "${NPROC:-$(nproc)}"
meson install -C build --destdir /opt/stagewright/stage/nixl
cp -a /opt/stagewright/stage/nixl/. /
ldconfig
printf '%s\n' "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu" "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins" > /etc/ld.so.conf.d/nixl.conf
ldconfig
test -f "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins/libplugin_UCX.so"
test -f "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins/libplugin_UCX_MO.so"
test -f "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins/libplugin_POSIX.so"
test -f "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins/libplugin_LIBFABRIC.so"
test -f "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins/libplugin_OBJ.so"
test -f "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins/libplugin_GUSLI.so"
EOF

# PYTHON_VERSION Python version of the virtual environment and the NIXL wheel
ARG PYTHON_VERSION="3.12"
RUN --mount=type=cache,target=/workspace/.cache/uv,sharing=locked <<'EOF'
set -euo pipefail
cd /workspace/nixl
mkdir -p /opt/stagewright/stage/nixl/opt/stagewright/wheels
./contrib/build-wheel.sh \
    --python-version "${PYTHON_VERSION}" \
    --platform "manylinux_2_39_${ARCH}" \
    --ucx-plugins-dir "${UCX_PREFIX}/lib/ucx" \
    --nixl-plugins-dir "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins" \
    --output-dir /opt/stagewright/stage/nixl/opt/stagewright/wheels
cp build/src/bindings/python/nixl-meta/nixl-*.whl /opt/stagewright/stage/nixl/opt/stagewright/wheels/
ls /opt/stagewright/stage/nixl/opt/stagewright/wheels/nixl-*.whl
EOF

RUN --mount=type=cache,target=/root/.ccache,id=ccache,sharing=shared <<'EOF'
set -euo pipefail
export CCACHE_DIR=/root/.ccache PATH="/usr/lib/ccache:${PATH}"
cd /workspace/nixl/benchmark/nixlbench
meson setup build/ -Dnixl_path="${NIXL_PREFIX}" --prefix=/usr/local/nixlbench --buildtype="${NIXL_BUILD_TYPE}"
ninja -C build -j "${NPROC:-$(nproc)}"
meson install -C build --destdir /opt/stagewright/stage/nixl
cp -a /opt/stagewright/stage/nixl/. /
ldconfig
test -x /usr/local/nixlbench/bin/nixlbench
EOF

ENV RUSTUP_HOME="/usr/local/rustup"
ENV CARGO_HOME="/usr/local/cargo"
ENV PATH="/usr/local/cargo/bin:${PATH}"
# RUST_VERSION Rust toolchain for NIXL's Rust bindings
ARG RUST_VERSION="1.86.0"
RUN <<'EOF'
set -euo pipefail
case "${ARCH}" in
  x86_64) rustup_sha256=a3339fb004c3d0bb9862ba0bce001861fe5cbde9c10d16591eb3f39ee6cd3e7f ;;
  aarch64) rustup_sha256=c64b33db2c6b9385817ec0e49a84bcfe018ed6e328fe755c3c809580cc70ce7a ;;
  *) echo "stagewright: no pinned rustup-init for ARCH=${ARCH}" >&2; exit 1 ;;
esac
cd /tmp
url="https://static.rust-lang.org/rustup/archive/1.28.1/${ARCH}-unknown-linux-gnu/rustup-init"
if [ -n "${SOURCE_MIRROR}" ]; then url="${SOURCE_MIRROR%/}/${url#https://}"; fi
case "$url" in
  file://*) path="${url#file://}"; cp "$(printf '%b' "${path//%/\\x}")" rustup-init ;;
  *) wget --tries=3 --waitretry=5 --timeout=30 --read-timeout=60 --no-verbose -O rustup-init "$url" ;;
esac
if [ -z "${rustup_sha256}" ]; then echo "stagewright: rustup-init has no pinned sha256 (rustup_sha256 is empty); it is NOT verified" >&2; sha256sum rustup-init >&2; else echo "${rustup_sha256}  rustup-init" | sha256sum -c -; fi
chmod +x rustup-init
./rustup-init -y --no-modify-path --profile minimal --default-toolchain "${RUST_VERSION}" --default-host "${ARCH}-unknown-linux-gnu"
rm rustup-init
EOF

RUN --mount=type=cache,target=/usr/local/cargo/registry,id=cargo-registry,sharing=locked --mount=type=cache,target=/usr/local/cargo/git,id=cargo-git,sharing=locked <<'EOF'
set -euo pipefail
cd /workspace/nixl/src/bindings/rust
cargo build --release --locked
EOF
