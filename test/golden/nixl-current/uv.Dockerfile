# uv the uv and uvx binaries, from the uv image pinned by digest
FROM ${UV_IMAGE} AS uv
SHELL ["/bin/bash", "-euo", "pipefail", "-c"]
