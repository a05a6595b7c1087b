# base the GPU host itself: distribution packages verified, toolchain, CUDA and the Python build backend checked
FROM ${HOST_IMAGE} AS base
SHELL ["/bin/bash", "-euo", "pipefail", "-c"]
# TARGETARCH target architecture as BuildKit names it (amd64, arm64), from --platform
ARG TARGETARCH
# ARCH target CPU architecture as uname -m prints it (x86_64, aarch64), computed from TARGETARCH (set by --platform)
ARG ARCH="${TARGETARCH/amd64/x86_64}"
ARG ARCH="${ARCH/arm64/aarch64}"
RUN if [ "$(uname -m)" != "${ARCH}" ]; then echo "ARCH=${ARCH} but this build runs on $(uname -m): pass ARCH=$(uname -m)" >&2; exit 1; fi
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt,sharing=locked <<'EOF'
set -euo pipefail
rm -f /etc/apt/apt.conf.d/docker-clean
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    autoconf \
    automake \
    file \
    g++ \
    gcc \
    git \
    libhwloc-dev \
    libibverbs-dev \
    libnuma-dev \
    libtool \
    make
EOF

ENV UV_NO_BUILD_ISOLATION="1"
# Tools that may come from outside dpkg: fail fast, naming every missing one
# HOST_CUDA_VERSION the CUDA version (MAJOR.MINOR) nvcc must report
ARG HOST_CUDA_VERSION="13.0"
RUN <<'EOF'
set -euo pipefail
missing=()
for tool in cc c++ make autoreconf libtoolize pkg-config meson ninja git nvcc python3 ldconfig patchelf; do if ! command -v "$tool" > /dev/null; then missing+=("$tool"); fi; done
for module in build mesonpy pybind11 setuptools; do if ! python3 -c "import $module" 2> /dev/null; then missing+=("python3 module $module"); fi; done
if [ "${#missing[@]}" -gt 0 ]; then echo "stagewright: missing on this machine: ${missing[*]}" >&2; exit 1; fi
cuda="$(nvcc --version | sed -n 's/.*release \([0-9]*\.[0-9]*\).*/\1/p')"
if [ "$cuda" != "${HOST_CUDA_VERSION}" ]; then echo "stagewright: nvcc is CUDA $cuda, but the recipe is for CUDA ${HOST_CUDA_VERSION}: render it with that CUDA version, or use that toolkit" >&2; exit 1; fi
if ! python3 -c 'import sys, mesonpy; sys.exit(0 if tuple(int(x) for x in mesonpy.__version__.split(".")[:3]) >= (0, 13, 0) else 1)' 2> /dev/null; then echo "stagewright: NIXL's pyproject needs meson-python >= 0.13.0 (older ones refuse it: Unknown configuration key tool.meson-python.args.dist); python3 has $(python3 -c 'import mesonpy; print(mesonpy.__version__)' 2>&1 | tail -n 1): install meson-python >= 0.13.0 (Debian trixie's python3-mesonpy with python3-pyproject-metadata unpack onto PYTHONPATH)" >&2; exit 1; fi
nvcc --version | tail -n 2
python3 --version
EOF
