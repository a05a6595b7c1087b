/**
 * smoke: a small recipe written with the same core and stage mechanics as the aligned image, small
 * enough to build for real on a machine without GPUs and without the internet (test/build/):
 *
 *   base     a local Debian image (minbase + gcc, make: `scripts/setup-buildkit.sh base`)
 *   greet    producer: libgreet.so.1 from the build context, `make` into GREET_PREFIX (a typed, shared ARG),
 *            staged with DESTDIR and handed over as an artifact
 *   hello    consumer: a program built against the greet artifact (its prefix, never a restated path)
 *   runtime  only the declared runtime paths, one ld.so.conf.d file, and the build-time ldd assertions
 *            (linkAssertion, uniqueSonameAssertion) the aligned image's runtime stage runs
 *
 * The build context is test/fixtures/smoke (the C sources and Makefiles). Every RUN is
 * `--network=none`: a build of this recipe contacts nothing.
 *
 *   npx tsx recipes/smoke.ts > Dockerfile.smoke
 *   docker build --network=host -f Dockerfile.smoke test/fixtures/smoke
 */
import {
  inheritedArtifacts,
  derivedText,
  ldConfStep,
  linkageAssertions,
  loaderDirs,
  runtimeNeeds,
  artifact,
  buildNeed,
  comment,
  copy,
  defineStage,
  env,
  imageFrom,
  pathArg,
  pathIn,
  recipe,
  run,
  taggedImageRefArg,
  versionArg,
  type AnyArtifact,
  type AnyStage,
  type Artifact,
  type PathLiteralCheck,
  type VersionLiteralCheck,
} from "../src/index.ts";
import { runRecipeMain } from "../src/main.ts";
import { publishStaged } from "../src/index.ts";
import { stagedDir } from "../stages/shared.ts";

/** The image `scripts/setup-buildkit.sh base` imports (debootstrap minbase + gcc, libc6-dev, make). */
export const SMOKE_BASE_IMAGE_DEFAULT = "stagewright/smoke-base:bookworm";

/**
 * The runtime flavour of the smoke base that `scripts/setup-buildkit.sh base` makes: the same rootfs
 * with the toolchain (gcc, libc6-dev, make and what only they need) purged and the layers flattened,
 * as a CUDA runtime image is its devel image without the toolkit.
 */
export const SMOKE_RUNTIME_IMAGE_DEFAULT = "stagewright/smoke-runtime:bookworm";

/** The build context of the smoke recipe, relative to the repository root. */
export const SMOKE_CONTEXT = "test/fixtures/smoke";

/**
 * Every RUN of the smoke recipe has no network (`RUN --network=none`: a namespace with loopback only),
 * so a real build of it provably contacts nothing; the sources come from the build context.
 */
const OFFLINE = { network: "none" } as const;

/** Where the deliberately wrong composition puts its second libgreet (outside any artifact). */
export const VENDOR_PREFIX = "/opt/vendor";

/**
 * The CUDA base image's loader path (the value scripts/setup-buildkit.sh gives its cuda-dl-base stubs),
 * which the aligned runtime's assertions walk after its own directories: directories that hold no
 * libgreet. The smoke base sets it too, so the smoke build runs the same assertions on a loader path
 * of the same shape.
 */
export const BASE_LD_LIBRARY_PATH = "/usr/local/nvidia/lib:/usr/local/nvidia/lib64";

/**
 * The base stage: the local Debian image, with a fail-fast check that the toolchain is there, and
 * the CUDA base image's LD_LIBRARY_PATH.
 *
 * @example
 * const base = smokeBase()
 */
export function smokeBase(baseImage: string = SMOKE_BASE_IMAGE_DEFAULT) {
  const SMOKE_BASE_IMAGE = taggedImageRefArg("SMOKE_BASE_IMAGE", baseImage, "base image: Debian minbase with gcc and make (scripts/setup-buildkit.sh base)");
  return defineStage({
    name: "base",
    description: "local Debian image with the C toolchain",
    from: imageFrom([SMOKE_BASE_IMAGE]),
    steps: [
      run('for tool in cc make ldd ldconfig awk; do command -v "$tool"; done\ncc -dumpfullversion', OFFLINE),
      env(["LD_LIBRARY_PATH", BASE_LD_LIBRARY_PATH]),
    ],
  });
}

/** Options of {@link greet}. */
export interface GreetOptions<V extends string = string, P extends string = string> {
  /** libgreet version, compiled into the library. */
  readonly version: V;
  /** Install prefix (GREET_PREFIX). Default "/opt/greet". */
  readonly prefix?: P;
}

/**
 * The producer: libgreet.so.1 from the build context's greet/ into GREET_PREFIX, installed a second
 * time under its staged DESTDIR so consumers copy exactly what it installed.
 *
 * @example
 * const g = greet(base, { version: "1.0.0" })
 */
export function greet<const V extends string, const P extends string = "/opt/greet">(
  from: AnyStage,
  options: GreetOptions<V, P> & { readonly version: V & VersionLiteralCheck<V>; readonly prefix?: P & PathLiteralCheck<P> },
) {
  const prefix = (options.prefix ?? "/opt/greet") as P;
  const GREET_VERSION = versionArg<"GREET_VERSION", V>("GREET_VERSION", options.version, "libgreet version (compiled into the library)");
  const GREET_PREFIX = pathArg<"GREET_PREFIX", P>("GREET_PREFIX", prefix as P & PathLiteralCheck<P>, "libgreet install prefix; hello builds against it and the runtime loads from it");
  const staged = stagedDir("greet");
  return defineStage({
    name: "greet",
    description: "libgreet.so.1 from the build context, make into GREET_PREFIX",
    from,
    args: [GREET_VERSION, GREET_PREFIX],
    provides: {
      greet: artifact({
        kind: "greet", producer: "greet", version: options.version as V, prefix, prefixArg: GREET_PREFIX, versionArg: GREET_VERSION,
        layout: { lib: ["lib"], include: ["include"] },
        runtimeFiles: ["lib/libgreet.so.1"], runtimePaths: ["lib"],
        delivery: { type: "staged", dir: staged }, ldconfig: true, sonames: ["libgreet.so.1"],
      }),
    },
    steps: [
      copy(["greet/"], "/usr/local/src/greet/"),
      run(
        [
          "cd /usr/local/src/greet",
          'make prefix="${GREET_PREFIX}" VERSION="${GREET_VERSION}"',
          `make prefix="\${GREET_PREFIX}" VERSION="\${GREET_VERSION}" DESTDIR=${staged} install`,
          `test -e "${staged}\${GREET_PREFIX}/lib/libgreet.so.1"`,
          publishStaged(staged),
        ].join("\n"),
        OFFLINE,
      ),
    ],
    versions: { greet: "${GREET_VERSION}" },
  });
}

/** Options of {@link hello}. */
export interface HelloOptions<V extends string = string, P extends string = string, G extends Artifact<"greet"> = Artifact<"greet">> {
  /** hello version, compiled into the program. */
  readonly version: V;
  /** Install prefix (HELLO_PREFIX). Default "/opt/hello". */
  readonly prefix?: P;
  /** The libgreet it builds against and loads at run time. */
  readonly greet: G;
}

/**
 * The consumer: the hello program from the build context's hello/, compiled and linked against the
 * greet artifact's prefix. Its artifact declares the link the runtime stage asserts.
 *
 * @example
 * const h = hello(base, { version: "1.0.0", greet: g.provides.greet })
 */
export function hello<const V extends string, const G extends Artifact<"greet">, const P extends string = "/opt/hello">(
  from: AnyStage,
  options: HelloOptions<V, P, G> & { readonly version: V & VersionLiteralCheck<V>; readonly prefix?: P & PathLiteralCheck<P> },
) {
  const prefix = (options.prefix ?? "/opt/hello") as P;
  const HELLO_VERSION = versionArg<"HELLO_VERSION", V>("HELLO_VERSION", options.version, "hello version (compiled into the program)");
  const HELLO_PREFIX = pathArg<"HELLO_PREFIX", P>("HELLO_PREFIX", prefix as P & PathLiteralCheck<P>, "hello install prefix");
  const staged = stagedDir("hello");
  const g = options.greet;
  return defineStage({
    name: "hello",
    description: "the hello program, built against the greet artifact",
    from,
    args: [HELLO_VERSION, HELLO_PREFIX],
    needs: [buildNeed(g)],
    provides: {
      hello: artifact({
        kind: "hello", producer: "hello", version: options.version as V, prefix, prefixArg: HELLO_PREFIX, versionArg: HELLO_VERSION,
        layout: { bin: ["bin"] }, runtimeFiles: ["bin/hello"], runtimePaths: ["bin"],
        delivery: { type: "staged", dir: staged },
        links: [{ file: "bin/hello", soname: "libgreet.so.1", kind: "greet" }],
      }),
    },
    steps: [
      copy(["hello/"], "/usr/local/src/hello/"),
      run(
        [
          "cd /usr/local/src/hello",
          `make GREET_PREFIX="${pathIn(g, "")}" prefix="\${HELLO_PREFIX}" VERSION="\${HELLO_VERSION}"`,
          `make GREET_PREFIX="${pathIn(g, "")}" prefix="\${HELLO_PREFIX}" VERSION="\${HELLO_VERSION}" DESTDIR=${staged} install`,
          `test -x "${staged}\${HELLO_PREFIX}/bin/hello"`,
        ].join("\n"),
        OFFLINE,
      ),
    ],
    versions: { hello: "${HELLO_VERSION}" },
  });
}

/**
 * A layer that ships its own libgreet outside any artifact and puts it on LD_LIBRARY_PATH, the way a
 * vendor base image ships a library (HPC-X's UCX in the CUDA image). The composition rules cannot
 * see it (it provides no artifact); only the runtime stage's build-time assertions can. Used only by
 * {@link smokeRecipeWithSecondCopy}, the deliberately wrong composition.
 *
 * @example
 * const v = vendorLibgreet(base)
 */
export function vendorLibgreet(from: AnyStage) {
  return defineStage({
    name: "vendor",
    description: "a vendor layer with a second libgreet on LD_LIBRARY_PATH (deliberately wrong)",
    from,
    steps: [
      copy(["greet/"], "/usr/local/src/vendor-greet/"),
      run(`cd /usr/local/src/vendor-greet\nmake prefix=${VENDOR_PREFIX} VERSION=0.9.0-vendor install`, OFFLINE),
      env(["LD_LIBRARY_PATH", `${VENDOR_PREFIX}/lib:\${LD_LIBRARY_PATH}`]),
    ],
  });
}

/**
 * The final stage over `from`, holding `artifacts`: it copies only their runtime paths, registers
 * their library directories in one ld.so.conf.d file (the aligned runtime's LD_CONF), puts their bin
 * directories on PATH, and fails the build when the loader would pick the wrong library. The
 * assertions are the aligned image's (uniqueSonameAssertion per soname, linkAssertion per declared
 * link), in the same order and in one RUN, as there. Unlike the aligned runtime it prepends nothing to
 * LD_LIBRARY_PATH: the loader finds the artifacts through
 * ld.so.conf.d alone, which is what the conf entries must prove.
 *
 * @example
 * const final = smokeRuntime(base, [g.provides.greet, h.provides.hello])
 */
export function smokeRuntime<const A extends readonly AnyArtifact[]>(from: AnyStage, artifacts: A) {
  const dirs = loaderDirs(artifacts);
  return defineStage({
    name: "runtime",
    description: "final image: only the declared runtime artifacts, ld.so.conf.d, build-time linkage assertions",
    from,
    needs: runtimeNeeds(artifacts),
    steps: [
      comment("One loader order for every library directory, derived from the artifacts (00- sorts first)"),
      ldConfStep(dirs.conf, OFFLINE),
      ...(dirs.bin.length > 0 ? [env(["PATH", `${dirs.bin.join(":")}:\${PATH}`])] : []),
      comment("Fail the build when the loader would pick the wrong library (two copies, or a consumer resolving another prefix)"),
      run(derivedText(linkageAssertions([...inheritedArtifacts(from), ...artifacts], "runtime").join("\n")), OFFLINE),
    ],
  });
}

/**
 * The runtime flavour's base stage: the toolchain-free image, with the check that it has no
 * compiler but the tools the runtime's assertions run, and the CUDA base image's LD_LIBRARY_PATH.
 *
 * @example
 * const lean = smokeRuntimeBase()
 */
export function smokeRuntimeBase(runtimeImage: string = SMOKE_RUNTIME_IMAGE_DEFAULT) {
  const SMOKE_RUNTIME_IMAGE = taggedImageRefArg("SMOKE_RUNTIME_IMAGE", runtimeImage, "runtime flavour of the base image: the smoke base without its toolchain (scripts/setup-buildkit.sh base)");
  return defineStage({
    name: "runtime-base",
    description: "the smoke base without its toolchain (the runtime flavour)",
    from: imageFrom([SMOKE_RUNTIME_IMAGE]),
    steps: [
      run('for tool in ldd ldconfig awk readlink; do command -v "$tool"; done\nif command -v cc; then echo "the runtime flavour has a compiler" >&2; exit 1; fi', OFFLINE),
      env(["LD_LIBRARY_PATH", BASE_LD_LIBRARY_PATH]),
    ],
  });
}

/** Options of {@link smokeStages}. */
export interface SmokeOptions {
  /** The base image. Default {@link SMOKE_BASE_IMAGE_DEFAULT}. */
  readonly baseImage?: string;
  /**
   * What the final stage is built on: "devel", the base the builders use (the default, as the
   * aligned image's runtime on efa-drivers), or "runtime", the toolchain-free flavour of it.
   */
  readonly flavour?: "devel" | "runtime";
}

/**
 * The stages of the smoke recipe, before the final stage is chosen.
 *
 * @example
 * const { base, g, h } = smokeStages()
 */
export function smokeStages(options: SmokeOptions = {}) {
  const base = smokeBase(options.baseImage);
  const g = greet(base, { version: "1.0.0", prefix: "/opt/greet" });
  const h = hello(base, { version: "1.0.0", greet: g.provides.greet });
  return { base, g, h };
}

/**
 * The smoke recipe: base → greet → hello → runtime.
 *
 * @example
 * process.stdout.write(smokeRecipe().render())
 */
export function smokeRecipe(options: SmokeOptions = {}) {
  const { base, g, h } = smokeStages(options);
  const description = "libgreet + hello on Debian: the stagewright mechanics, built for real";
  if (options.flavour === "runtime") {
    const lean = smokeRuntimeBase();
    const final = smokeRuntime(lean, [g.provides.greet, h.provides.hello]);
    return recipe("smoke-runtime-flavour", [base, g, h, lean, final], { description: `${description} (final stage on the runtime flavour)` });
  }
  const final = smokeRuntime(base, [g.provides.greet, h.provides.hello]);
  return recipe("smoke", [base, g, h, final], { description });
}

/**
 * The deliberately wrong composition: the runtime stage sits on a vendor layer whose own libgreet
 * comes first on the loader path (LD_LIBRARY_PATH). It passes every composition rule (the vendor copy
 * is no artifact) and must fail the build at the runtime stage's linkage assertions.
 *
 * @example
 * smokeRecipeWithSecondCopy().render() // docker build fails: "stagewright: ... resolves libgreet.so.1 to '/opt/vendor/lib/libgreet.so.1' ..."
 */
export function smokeRecipeWithSecondCopy(options: SmokeOptions = {}) {
  const { base, g, h } = smokeStages(options);
  const vendor = vendorLibgreet(base);
  const final = smokeRuntime(vendor, [g.provides.greet, h.provides.hello]);
  return recipe("smoke-second-copy", [base, g, h, vendor, final], { description: "smoke with a second libgreet earlier on the loader path (must fail)" });
}

/** The default recipe of this module, as the stagewright CLI loads it. */
export default (): ReturnType<typeof smokeRecipe> => smokeRecipe();

runRecipeMain(import.meta.url, () => smokeRecipe());
