# base-gdrcopy gdrcopy that the base image already holds at /usr/local (verified, not built)
FROM doca AS base-gdrcopy
RUN test -e "/usr/local/include/gdrapi.h" || { echo "stagewright: the base image has no /usr/local/include/gdrapi.h; build gdrcopy instead" >&2; exit 1; }
