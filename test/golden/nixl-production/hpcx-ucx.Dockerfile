# hpcx-ucx ucx that the base image already holds at /opt/hpcx/ucx (verified, not built)
FROM base AS hpcx-ucx
RUN test -e "/opt/hpcx/ucx/lib/libucp.so.0" || { echo "stagewright: the base image has no /opt/hpcx/ucx/lib/libucp.so.0; build ucx instead" >&2; exit 1; }
