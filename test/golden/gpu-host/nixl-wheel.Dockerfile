# nixl-wheel the NIXL Python wheel, built with meson-python (no uv, no auditwheel)
FROM base AS nixl-wheel
COPY --link --from=libfabric /opt/stagewright/stage/libfabric/ /
COPY --link --from=ucx /opt/stagewright/stage/ucx/ /
# NIXL_VERSION NIXL release tag (no v prefix up to 0.10.1)
ARG NIXL_VERSION="0.7.1"
# NIXL_COMMIT git commit that NIXL_VERSION must resolve to
ARG NIXL_COMMIT="97c9b5b48e2ed3f1f2539c461c4971a7db8b1197"
# SOURCE_MIRROR mirror for every source download, laid out as <mirror>/<host>/<path>; empty = the public URLs
ARG SOURCE_MIRROR=""
# MESON_WRAP_SHA256S sha256 of meson wrap files the mirror substituted (file=sha256 ...); empty = the wraps' own hashes
ARG MESON_WRAP_SHA256S=""
# NPROC parallel build jobs; empty = nproc
ARG NPROC=""
# LIBFABRIC_INSTALL_PATH libfabric install prefix; every consumer builds and loads from here
ARG LIBFABRIC_INSTALL_PATH="/usr/local"
# UCX_PREFIX UCX install prefix
ARG UCX_PREFIX="/usr/local/ucx"
RUN --mount=type=cache,target=/root/.ccache,id=ccache,sharing=shared <<'EOF'
set -euo pipefail
export CCACHE_DIR=/root/.ccache PATH="/usr/lib/ccache:${PATH}"
mkdir -p /workspace
cd /workspace
repo="https://github.com/ai-dynamo/nixl.git"
filter=(--filter=blob:none)
if [ -n "${SOURCE_MIRROR}" ]; then repo="${SOURCE_MIRROR%/}/${repo#https://}"; filter=(); fi
git clone --quiet "${filter[@]}" "$repo" nixl-wheel
if [ -n "${NIXL_COMMIT}" ]; then
  git -C nixl-wheel checkout --quiet --detach "${NIXL_COMMIT}"
  if [ "$(git -C nixl-wheel rev-parse "${NIXL_VERSION}^{commit}")" != "${NIXL_COMMIT}" ]; then echo "stagewright: NIXL_VERSION=${NIXL_VERSION} is not commit ${NIXL_COMMIT}; pass the matching NIXL_COMMIT" >&2; exit 1; fi
else
  git -C nixl-wheel checkout --quiet --detach "${NIXL_VERSION}"
  echo "stagewright: nixl-wheel is NOT pinned to a commit (NIXL_COMMIT is empty); built from ${NIXL_VERSION} = $(git -C nixl-wheel rev-parse HEAD)" >&2
fi
cd nixl-wheel
if ! python3 -c 'import sys, mesonpy; sys.exit(0 if tuple(int(x) for x in mesonpy.__version__.split(".")[:3]) >= (0, 13, 0) else 1)' 2> /dev/null; then echo "stagewright: NIXL's pyproject needs meson-python >= 0.13.0 (older ones refuse it: Unknown configuration key tool.meson-python.args.dist); python3 has $(python3 -c 'import mesonpy; print(mesonpy.__version__)' 2>&1 | tail -n 1): install meson-python >= 0.13.0 (Debian trixie's python3-mesonpy with python3-pyproject-metadata unpack onto PYTHONPATH)" >&2; exit 1; fi
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
# The package is nixl_cu<major>; name the wheel after it as contrib/build-wheel.sh does (without its tomlkit helper)
cuda_major="$(nvcc --version | sed -n 's/.*release \([0-9]*\)\..*/\1/p')"
sed -i "s/^name = 'nixl-cu[0-9]*'/name = 'nixl-cu${cuda_major}'/" pyproject.toml
mkdir -p /opt/stagewright/stage/nixl-wheel/opt/stagewright/wheels
# --skip-dependency-check: pyproject also lists test-only requirements (pytest, types-PyYAML) that building does not use
python3 -m build --wheel --no-isolation --skip-dependency-check --outdir /opt/stagewright/stage/nixl-wheel/opt/stagewright/wheels \
    -Csetup-args=-Dlibfabric_path="${LIBFABRIC_INSTALL_PATH}" \
    -Csetup-args=-Ducx_path="${UCX_PREFIX}" \
    -Csetup-args=-Dbuild_tests=false \
    -Csetup-args=-Dbuild_examples=false \
    -Ccompile-args=-j"${NPROC:-$(nproc)}"
# The nixl meta package (import nixl), which meson builds only with uv: the same files, built with setuptools
meta="$(mktemp -d)"
cp -r src/bindings/python/nixl-meta/nixl src/bindings/python/nixl-meta/README.md LICENSE "$meta/"
rm -f "$meta/nixl/meson.build"
sed -e "s/@VERSION@/${NIXL_VERSION}/g" -e "s/@WHEEL_DEP@/nixl-cu${cuda_major}/g" src/bindings/python/nixl-meta/pyproject.toml.in > "$meta/pyproject.toml"
python3 -m build --wheel --no-isolation --skip-dependency-check --outdir /opt/stagewright/stage/nixl-wheel/opt/stagewright/wheels "$meta"
rm -rf "$meta"
ls /opt/stagewright/stage/nixl-wheel/opt/stagewright/wheels/nixl_cu*.whl /opt/stagewright/stage/nixl-wheel/opt/stagewright/wheels/nixl-*.whl
EOF
