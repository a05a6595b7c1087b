/**
 * smoke-cross: the smoke recipe's libgreet and hello cross-compiled for the target platform by a
 * builder that runs on the build host (`FROM --platform=$BUILDPLATFORM`, Debian's cross gcc), into a
 * target-platform runtime stage that only copies (no RUN, so no emulation is needed for it), and a
 * build-host verify stage that reads the ELF headers of what the runtime stage holds:
 *
 *   cross    FROM --platform=$BUILDPLATFORM the local Debian image with gcc-aarch64-linux-gnu;
 *            CC follows TARGETARCH (x86_64-linux-gnu-gcc or aarch64-linux-gnu-gcc)
 *   greet    libgreet.so.1, as in the smoke recipe, compiled with that CC
 *   hello    hello, as in the smoke recipe, linked against the cross-compiled libgreet
 *   runtime  FROM scratch for the target platform: the runtime paths of greet and hello, nothing else
 *   verify   FROM --platform=$BUILDPLATFORM the same image: readelf on every file of the runtime stage
 *            must name the target's machine (AArch64 for linux/arm64) and hello must need libgreet.so.1
 *
 *   npx tsx recipes/smoke-cross.ts > Dockerfile.smoke-cross
 *   docker build --platform linux/arm64 -f Dockerfile.smoke-cross test/fixtures/smoke
 *
 * docs/build-truth.md says what this proves and what it cannot (the runtime's own RUN steps on arm64).
 */
import { BUILDARCH, TARGETARCH, automaticArg, comment, computedArg, copy, defineStage, env, image, imageFrom, recipe, run, runtimeNeeds, taggedImageRefArg, type AnyArtifact } from "../src/index.ts";
import { runRecipeMain } from "../src/main.ts";
import { greet, hello } from "./smoke.ts";

/** The image `scripts/setup-buildkit.sh base` imports: the smoke base plus Debian's aarch64 cross toolchain. */
export const SMOKE_CROSS_IMAGE_DEFAULT = "stagewright/smoke-cross:bookworm";

const OFFLINE = { network: "none" } as const;

/** BuildKit's build-host platform, for the FROM lines of the stages that run there. */
const BUILDPLATFORM = automaticArg("BUILDPLATFORM", "build host platform (linux/amd64 here), set by BuildKit");

/** The C compiler for the target: Debian's triplet-prefixed gcc, computed from TARGETARCH. */
const CROSS_CC = computedArg(
  "CROSS_CC",
  "C compiler for the target architecture (Debian's <triplet>-gcc), computed from TARGETARCH",
  [TARGETARCH],
  ["${TARGETARCH/amd64/x86_64-linux-gnu-gcc}", "${CROSS_CC/arm64/aarch64-linux-gnu-gcc}"],
  ["x86_64-linux-gnu-gcc", "aarch64-linux-gnu-gcc"],
  "x86_64-linux-gnu-gcc",
);

function crossImageArg(baseImage: string) {
  return taggedImageRefArg("SMOKE_CROSS_IMAGE", baseImage, "build-host image: Debian minbase with gcc, make and gcc-aarch64-linux-gnu (scripts/setup-buildkit.sh base)");
}

/**
 * The builder: the build host's Debian with the cross compiler for the target as CC.
 *
 * @example
 * const cross = crossBase()
 */
export function crossBase(baseImage: string = SMOKE_CROSS_IMAGE_DEFAULT) {
  const SMOKE_CROSS_IMAGE = crossImageArg(baseImage);
  return defineStage({
    name: "cross",
    description: "build-host Debian with the C cross compiler for the target platform",
    from: imageFrom([SMOKE_CROSS_IMAGE], { platform: BUILDPLATFORM }),
    args: [CROSS_CC, TARGETARCH, BUILDARCH],
    steps: [
      run('echo "building on ${BUILDARCH} for ${TARGETARCH} with ${CROSS_CC}"\n"${CROSS_CC}" -dumpfullversion\nfor tool in make readelf; do command -v "$tool"; done', OFFLINE),
      comment("The smoke Makefiles compile with $(CC): the target's compiler"),
      env(["CC", "${CROSS_CC}"]),
    ],
  });
}

/**
 * The target-platform runtime stage: FROM scratch, only the artifacts' runtime paths (COPY only, so
 * no step runs on the target architecture).
 *
 * @example
 * const rt = crossRuntime([g.provides.greet, h.provides.hello])
 */
export function crossRuntime<const A extends readonly AnyArtifact[]>(artifacts: A) {
  return defineStage({
    name: "runtime",
    description: "target-platform image: the cross-compiled runtime paths only (no RUN: nothing executes on the target architecture)",
    from: image("scratch"),
    needs: runtimeNeeds(artifacts),
    steps: [],
  });
}

/**
 * The verify stage: on the build host, every ELF file of the runtime stage must be for the target
 * machine, and hello must need libgreet.so.1.
 *
 * @example
 * const v = crossVerify("runtime", ["/opt/greet/lib/libgreet.so.1", "/opt/hello/bin/hello"])
 */
export function crossVerify(runtimeStage: string, files: readonly string[], baseImage: string = SMOKE_CROSS_IMAGE_DEFAULT) {
  const SMOKE_CROSS_IMAGE = crossImageArg(baseImage);
  return defineStage({
    name: "verify",
    description: "build host: readelf on the runtime stage's files names the target machine",
    from: imageFrom([SMOKE_CROSS_IMAGE], { platform: BUILDPLATFORM }),
    args: [TARGETARCH],
    steps: [
      copy(["/"], "/target/", { from: runtimeStage }),
      run(
        [
          'case "${TARGETARCH}" in',
          '  amd64) want="Advanced Micro Devices X86-64" ;;',
          '  arm64) want="AArch64" ;;',
          '  *) echo "stagewright: no expected ELF machine for TARGETARCH=${TARGETARCH}" >&2; exit 1 ;;',
          "esac",
          `for f in ${files.map((f) => `/target${f}`).join(" ")}; do`,
          '  machine="$(readelf -h "$f" | awk -F: \'$1 ~ /Machine/ {sub(/^[ \\t]+/, "", $2); print $2}\')"',
          '  if [ "$machine" != "$want" ]; then echo "stagewright: $f is for $machine, not $want (TARGETARCH ${TARGETARCH})" >&2; exit 1; fi',
          '  echo "$f: $machine"',
          "done",
          'if ! readelf -d /target/opt/hello/bin/hello | grep -q "Shared library: \\[libgreet.so.1\\]"; then echo "stagewright: hello does not need libgreet.so.1" >&2; exit 1; fi',
        ].join("\n"),
        OFFLINE,
      ),
    ],
  });
}

/**
 * The cross recipe: cross → greet → hello → runtime (target platform) → verify (build host).
 *
 * @example
 * process.stdout.write(smokeCrossRecipe().render())
 */
export function smokeCrossRecipe(baseImage: string = SMOKE_CROSS_IMAGE_DEFAULT) {
  const cross = crossBase(baseImage);
  const g = greet(cross, { version: "1.0.0", prefix: "/opt/greet" });
  const h = hello(cross, { version: "1.0.0", greet: g.provides.greet });
  const rt = crossRuntime([g.provides.greet, h.provides.hello]);
  const v = crossVerify(rt.name, ["/opt/greet/lib/libgreet.so.1.0.0", "/opt/hello/bin/hello"], baseImage);
  return recipe("smoke-cross", [cross, g, h, rt, v], {
    description: "libgreet + hello cross-compiled on the build host for the target platform, checked as ELF files of that machine",
    platforms: ["linux/amd64", "linux/arm64"],
  });
}

/** The default recipe of this module, as the stagewright CLI loads it. */
export default (): ReturnType<typeof smokeCrossRecipe> => smokeCrossRecipe();

runRecipeMain(import.meta.url, () => smokeCrossRecipe());
