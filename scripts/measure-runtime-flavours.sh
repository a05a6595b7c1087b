#!/usr/bin/env bash
# measure-runtime-flavours.sh - build the smoke recipe's final stage on both flavours of its base with this
# checkout's BuildKit (scripts/setup-buildkit.sh), check that hello runs in each, and print the sizes of the two
# final images and of the two base images. Starts dockerd when none runs for this checkout and stops the one it
# started (by its PID, through setup-buildkit.sh stop). One daemon on the machine at a time:
#
#   flock /work/notes/buildkit.lock bash scripts/measure-runtime-flavours.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
S=scripts/setup-buildkit.sh
started=""
tmp="$(mktemp -d)"
cleanup() {
  rm -rf "$tmp"
  if [ -n "$started" ]; then bash "$S" stop; fi
}
trap cleanup EXIT
if ! bash "$S" status 2>/dev/null; then bash "$S" start; started=1; fi
bash "$S" base
while IFS='=' read -r k v; do
  case $k in DOCKER_HOST | DOCKER_CONFIG | DOCKER) printf -v "$k" '%s' "$v"; export "${k?}" ;; esac
done < <(bash "$S" env)
npx tsx recipes/smoke.ts > "$tmp/Dockerfile.devel"
npx tsx -e 'import { smokeRecipe } from "./recipes/smoke.ts"; process.stdout.write(smokeRecipe({ flavour: "runtime" }).render())' > "$tmp/Dockerfile.runtime"
size() { "$DOCKER" image inspect -f '{{.Size}}' "$1"; }
printf '| image | what | bytes | MB |\n| --- | --- | ---: | ---: |\n'
for flavour in devel runtime; do
  "$DOCKER" build --network=host --progress=quiet -t "stagewright/smoke-final:$flavour" -f "$tmp/Dockerfile.$flavour" test/fixtures/smoke >/dev/null
  "$DOCKER" run --rm --network=host "stagewright/smoke-final:$flavour" hello >/dev/null
  b="$(size "stagewright/smoke-final:$flavour")"
  printf '| stagewright/smoke-final:%s | final image, runtime stage on the %s flavour | %s | %s |\n' "$flavour" "$flavour" "$b" "$(awk -v b="$b" 'BEGIN {printf "%.1f", b / 1e6}')"
done
for image in stagewright/smoke-base:bookworm stagewright/smoke-runtime:bookworm; do
  b="$(size "$image")"
  printf '| %s | base image | %s | %s |\n' "$image" "$b" "$(awk -v b="$b" 'BEGIN {printf "%.1f", b / 1e6}')"
done
"$DOCKER" image rm stagewright/smoke-final:devel stagewright/smoke-final:runtime >/dev/null
