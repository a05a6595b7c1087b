/**
 * Build truth: a real BuildKit (scripts/setup-buildkit.sh: Debian sid dockerd + buildx) builds what
 * stagewright generates. One daemon for the whole file: started here unless CI already started it,
 * stopped here only if started here. docs/build-truth.md says what each test proves and what only a
 * GPU host can.
 *
 * Outside CI a machine without the builder skips this file with one line naming the setup command;
 * with CI set it never skips.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BAKE_FILE, bakeFile, rebuildPlan, stageDependents, stageSteps, type AnyStage } from "../../src/index.ts";
import { alignedRecipe } from "../../recipes/aligned.ts";
import { SMOKE_CONTEXT, VENDOR_PREFIX, smokeRecipe, smokeRecipeWithSecondCopy } from "../../recipes/smoke.ts";
import { SMOKE_CROSS_IMAGE_DEFAULT, smokeCrossRecipe } from "../../recipes/smoke-cross.ts";
import {
  REPO,
  buildSteps,
  builderSkipReason,
  stageSummary,
  startBuilder,
  withoutSyntaxDirective,
  type BuildResult,
  type Builder,
} from "../support/buildkit.ts";
import { checkDockerfile, stagesOf } from "../support/checkers.ts";

const SKIP = builderSkipReason();
if (SKIP !== null) console.warn(`test/build: skipping the real-build tests: ${SKIP}`);

const smoke = smokeRecipe();
const smokeText = smoke.render();
const IMAGE = "stagewright-smoke:test";
/** The two platforms every generated Dockerfile is checked for. */
const PLATFORMS = ["linux/amd64", "linux/arm64"] as const;

/** Every step of a build with its status, one per line, for assertion messages. */
function describeBuild(b: BuildResult): string {
  return buildSteps(b.steps)
    .map((s) => `[${s.stage} ${s.index}/${s.total}] ${s.status} ${s.instruction}`)
    .join("\n");
}

function expectBuilt(b: BuildResult): void {
  expect(b.ok, `docker build failed (exit ${b.code}):\n${b.output.slice(-4000)}`).toBe(true);
}

/** What the final image says about itself: the program's output, the loader config, what is absent. */
function inspect(bk: Builder, image: string) {
  const r = bk.run(image, [
    "bash",
    "-c",
    'hello; echo "--- conf"; cat /etc/ld.so.conf.d/00-stagewright.conf; echo "--- present"; for p in /opt/greet /opt/greet/include /srv/libgreet /opt/stagewright /usr/local/src/greet /usr/local/src/hello /opt/vendor; do [ -e "$p" ] && echo "$p"; done; true',
  ]);
  expect(r.code, r.output).toBe(0);
  const [program = "", conf = "", present = ""] = r.stdout.split(/^--- \w+\n/m);
  return { program: program.trim(), conf: conf.trim(), present: present.trim().split("\n").filter(Boolean), seconds: r.seconds };
}

// Without a daemon: what the real builds below take as given.
describe("the smoke recipe's Dockerfile", () => {
  test("passes the in-process checkers", () => {
    expect(checkDockerfile(smokeText).problems).toEqual([]);
  });

  test("one shared GREET_PREFIX reaches producer, consumer and runtime; no RUN has a network", () => {
    expect(smokeText).toContain('\nARG GREET_PREFIX="/opt/greet"\n');
    const stages = stagesOf(smokeText);
    expect(stages.map((s) => s.name)).toEqual(["base", "greet", "hello", "runtime"]);
    for (const name of ["greet", "hello", "runtime"]) expect(stages.find((s) => s.name === name)?.args, name).toContain("GREET_PREFIX");
    const runs = stages.flatMap((s) => s.instructions.filter((i) => i.keyword === "RUN"));
    expect(runs.length).toBeGreaterThan(0);
    for (const r of runs) expect(r.flags, `line ${r.line}`).toContainEqual({ name: "network", value: "none" });
  });
});

describe.skipIf(SKIP !== null)("build truth: a real BuildKit builds what stagewright generates", () => {
  let bk: Builder;
  const timings: string[] = [];

  beforeAll(() => {
    bk = startBuilder();
    // Every run proves a full build: nothing of an earlier run's cache is reused.
    bk.pruneCache();
    timings.push(`builder ${bk.startedHere ? "started" : "reused (already running)"} + base image ready: ${bk.setupSeconds.toFixed(1)} s`);
  }, 300_000);

  afterAll(() => {
    if (timings.length > 0) console.log(`test/build timings:\n  ${timings.join("\n  ")}`);
    bk?.stop();
  });

  test("1. the smoke recipe builds from scratch, and the program runs in the final image", () => {
    const b = bk.build({ dockerfile: smokeText, context: SMOKE_CONTEXT, tag: IMAGE });
    timings.push(`full smoke build: ${b.seconds.toFixed(1)} s`);
    expectBuilt(b);
    const steps = buildSteps(b.steps);
    // A full build: every step of every stage ran.
    expect(steps.filter((s) => s.status !== "executed"), describeBuild(b)).toEqual([]);
    // BuildKit numbers the steps the way src/graph.ts counts them (FROM aside).
    const summary = stageSummary(b.steps);
    expect(Object.fromEntries([...summary].map(([stage, s]) => [stage, s.total]))).toEqual(
      Object.fromEntries(smoke.stages.map((s: AnyStage) => [s.name, stageSteps(s).length])),
    );

    const img = inspect(bk, IMAGE);
    timings.push(`docker run of the final image: ${img.seconds.toFixed(1)} s`);
    expect(img.program).toBe("hello, smoke, from libgreet 1.0.0 (hello 1.0.0)\nlibgreet: /opt/greet/lib/libgreet.so.1");
    expect(img.conf).toBe("/opt/greet/lib");
    // Only the declared runtime paths: the lib dir, not the headers, sources or staging dirs.
    expect(img.present).toEqual(["/opt/greet"]);
    const labels = JSON.parse(bk.docker(["image", "inspect", "-f", "{{json .Config.Labels}}", IMAGE]).stdout) as Record<string, string>;
    expect(labels).toMatchObject({ "dev.stagewright.version.greet": "1.0.0", "dev.stagewright.version.hello": "1.0.0" });
  });

  test("2. --build-arg GREET_PREFIX moves producer and consumer together, and the image still works", () => {
    const b = bk.build({ dockerfile: smokeText, context: SMOKE_CONTEXT, tag: `${IMAGE}-moved`, buildArgs: { GREET_PREFIX: "/srv/libgreet" } });
    timings.push(`smoke build with GREET_PREFIX=/srv/libgreet: ${b.seconds.toFixed(1)} s`);
    expectBuilt(b);
    // The producer installed there, and the consumer compiled and linked against there.
    expect(b.output).toContain("install -d /opt/stagewright/stage/greet/srv/libgreet/lib /opt/stagewright/stage/greet/srv/libgreet/include");
    expect(b.output).toMatch(/cc .*-I\/srv\/libgreet\/include .*-L\/srv\/libgreet\/lib -lgreet/);
    const img = inspect(bk, `${IMAGE}-moved`);
    expect(img.program).toBe("hello, smoke, from libgreet 1.0.0 (hello 1.0.0)\nlibgreet: /srv/libgreet/lib/libgreet.so.1");
    expect(img.conf).toBe("/srv/libgreet/lib");
    expect(img.present).toEqual(["/srv/libgreet"]);
  });

  test("3. a second libgreet earlier on the loader path fails the build at the linkage assertion, with its message", () => {
    // The composition rules cannot see the vendor copy (it is no artifact): it renders.
    const wrong = smokeRecipeWithSecondCopy().render();
    const b = bk.build({ dockerfile: wrong, context: SMOKE_CONTEXT });
    timings.push(`wrong-composition build (fails): ${b.seconds.toFixed(1)} s`);
    expect(b.ok, b.output.slice(-3000)).toBe(false);
    const failed = b.steps.filter((s) => s.status === "error");
    expect(failed.map((s) => `${s.stage} ${s.index}/${s.total}`), describeBuild(b)).toEqual(["runtime 4/4"]);
    expect(failed[0]?.instruction).toMatch(/^RUN /);
    // Everything before the assertion built: the failure is the assertion's, not a build error.
    expect(buildSteps(b.steps).filter((s) => s.status !== "executed" && s.status !== "cached" && s.status !== "error")).toEqual([]);
    expect(b.output).toContain("stagewright: the loader must see exactly one libgreet.so.1, it sees:");
    expect(b.output).toMatch(/^\S*\s+\/opt\/greet\/lib\/libgreet\.so\.1\.0\.0$/m);
    expect(b.output).toMatch(new RegExp(`^\\S*\\s+${VENDOR_PREFIX}/lib/libgreet\\.so\\.0\\.9\\.0-vendor$`, "m"));
  });

  test("9. the runtime flavour: the final stage on the toolchain-free base works, holds no compiler, and is smaller than on the devel base", () => {
    const lean = smokeRecipe({ flavour: "runtime" }).render();
    const b = bk.build({ dockerfile: lean, context: SMOKE_CONTEXT, tag: `${IMAGE}-runtime-flavour` });
    timings.push(`smoke build, runtime flavour: ${b.seconds.toFixed(1)} s`);
    expectBuilt(b);
    const img = inspect(bk, `${IMAGE}-runtime-flavour`);
    expect(img.program).toBe("hello, smoke, from libgreet 1.0.0 (hello 1.0.0)\nlibgreet: /opt/greet/lib/libgreet.so.1");
    expect(img.present).toEqual(["/opt/greet"]);
    const cc = bk.run(`${IMAGE}-runtime-flavour`, ["bash", "-c", "command -v cc gcc make || true"]);
    expect(cc.stdout.trim()).toBe("");
    const size = (image: string) => Number(bk.docker(["image", "inspect", "-f", "{{.Size}}", image]).stdout.trim());
    const devel = size(IMAGE);
    const runtime = size(`${IMAGE}-runtime-flavour`);
    const bases = [size("stagewright/smoke-base:bookworm"), size("stagewright/smoke-runtime:bookworm")] as const;
    timings.push(`image sizes (bytes): final devel flavour ${devel}, final runtime flavour ${runtime}, base smoke-base ${bases[0]}, base smoke-runtime ${bases[1]}`);
    // At least the toolchain's share of the base: what the two base images differ by, give or take the final stage's files.
    const gap = bases[0] - bases[1];
    expect(gap).toBeGreaterThan(50e6);
    expect(devel - runtime).toBeGreaterThan(gap * 0.9);
  });

  describe("4. cache impact: a version bump rebuilds only that stage and its dependents", () => {
    const versionArgs = ["GREET_VERSION", "HELLO_VERSION"] as const;
    const producerOf: Record<(typeof versionArgs)[number], string> = { GREET_VERSION: "greet", HELLO_VERSION: "hello" };

    test("after a full build, the same build is all CACHED", () => {
      const b = bk.build({ dockerfile: smokeText, context: SMOKE_CONTEXT, tag: IMAGE });
      timings.push(`smoke rebuild, nothing changed: ${b.seconds.toFixed(1)} s`);
      expectBuilt(b);
      expect(buildSteps(b.steps).filter((s) => s.status !== "cached"), describeBuild(b)).toEqual([]);
    });

    test.each(versionArgs)("%s", (arg) => {
      const stage = producerOf[arg];
      // A value no earlier build used, so the bumped steps cannot come from cache.
      const value = `1.0.1-r${Date.now().toString(36)}`;
      const b = bk.build({ dockerfile: smokeText, context: SMOKE_CONTEXT, buildArgs: { [arg]: value } });
      expectBuilt(b);
      const summary = stageSummary(b.steps);
      const executed = [...summary].filter(([, s]) => s.executed > 0).map(([name]) => name);
      const allowed = [stage, ...stageDependents(smoke, stage)];
      // The bumped stage re-executed; nothing outside it and its dependents did.
      expect(executed).toContain(stage);
      expect(executed.filter((n) => !allowed.includes(n)), describeBuild(b)).toEqual([]);
      // Step for step, BuildKit did what src/graph.ts predicts from the stage graph.
      const plan = rebuildPlan(smoke, arg);
      expect(Object.fromEntries([...summary].map(([name, s]) => [name, s.executed])), describeBuild(b)).toEqual(
        Object.fromEntries(plan.stages.map((s) => [s.stage, s.rebuilt])),
      );
      const rebuilt = [...summary.values()].reduce((n, s) => n + s.executed, 0);
      const total = [...summary.values()].reduce((n, s) => n + s.total, 0);
      expect(rebuilt / total).toBeCloseTo(plan.fraction, 10);
      timings.push(`smoke build with ${arg}=${value}: ${b.seconds.toFixed(1)} s, ${rebuilt}/${total} steps re-executed (${(rebuilt / total).toFixed(2)}), stages ${executed.join(", ")}`);
    });
  });

  /** The cross image is made by `setup` (not by a test's start-up: debootstrap takes minutes). */
  function expectCrossImage(): void {
    const r = bk.docker(["image", "inspect", SMOKE_CROSS_IMAGE_DEFAULT]);
    expect(r.code, `${SMOKE_CROSS_IMAGE_DEFAULT} is not imported: run bash scripts/setup-buildkit.sh setup (it debootstraps the cross rootfs), then base`).toBe(0);
  }

  test("5. BuildKit's docker build --check passes on every generated Dockerfile in the repository, for linux/amd64 and linux/arm64", () => {
    const dir = mkdtempSync(join(tmpdir(), "stagewright-check-"));
    try {
      const files: string[] = [];
      const rendered: [string, string][] = [
        ["Dockerfile.nixl-aligned", alignedRecipe().render()], // = npx tsx recipes/aligned.ts
        ["Dockerfile.smoke", smokeText], // = npx tsx recipes/smoke.ts
        ["Dockerfile.smoke-cross", smokeCrossRecipe().render()], // = npx tsx recipes/smoke-cross.ts
      ];
      for (const [name, text] of rendered) {
        writeFileSync(join(dir, name), text);
        files.push(join(dir, name));
      }
      files.push(...committedGeneratedDockerfiles());
      expectCrossImage();
      const r = bk.check(files, {}, PLATFORMS);
      timings.push(`docker build --check on ${files.length} Dockerfiles x ${PLATFORMS.length} platforms: ${r.seconds.toFixed(1)} s`);
      expect(r.code, r.output).toBe(0);
      for (const p of PLATFORMS) {
        expect(r.output).toContain(`platform ${p}: TARGETPLATFORM=${p} TARGETOS=linux TARGETARCH=${p.slice("linux/".length)} TARGETVARIANT= as build args`);
        for (const f of files) expect(r.output).toMatch(new RegExp(`^PASS ${escape(f)} ${escape(p)} `, "m"));
      }
      // Stubs are named contexts keyed by the reference as written: the digest pin stays in what is checked.
      const uv = /^ARG UV_IMAGE="([^"]+@sha256:[0-9a-f]{64})"$/m.exec(alignedRecipe().render())?.[1];
      expect(uv).toBeDefined();
      expect(r.output).toContain(`stub ${join(dir, "Dockerfile.nixl-aligned")} linux/arm64: ${uv} = docker-image://stagewright-stub:latest`);
      // The smoke images are real here: never stubbed.
      expect(r.output).not.toMatch(/^stub .*: stagewright\/smoke-(base|cross):/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  test("6. --check alone evaluates the daemon's platform whatever --platform says; the check's TARGET* build args make it evaluate linux/arm64", () => {
    // The probe: the generated ARCH derivation (the aligned recipe's own global ARG lines), then a FROM that is a
    // stage only when ARCH is aarch64. For x86_64 it names an image that exists nowhere here, so the check fails.
    const aligned = alignedRecipe().render();
    const archLines = aligned.slice(0, aligned.search(/^FROM /m)).split("\n").filter((l) => /^ARG (TARGETARCH|ARCH)\b/.test(l));
    expect(archLines).toEqual(["ARG TARGETARCH", 'ARG ARCH="${TARGETARCH/amd64/x86_64}"', 'ARG ARCH="${ARCH/arm64/aarch64}"']);
    const dir = mkdtempSync(join(tmpdir(), "stagewright-probe-"));
    try {
      const probe = join(dir, "Dockerfile.probe");
      writeFileSync(probe, `${archLines.join("\n")}\nFROM scratch AS aarch64\nFROM \${ARCH}\n`);
      const amd64 = bk.check([probe], {}, ["linux/amd64"]);
      const arm64 = bk.check([probe], {}, ["linux/arm64"]);
      expect(amd64.code, amd64.output).toBe(1);
      expect(amd64.output).toContain("failed to resolve source metadata for docker.io/library/x86_64:latest");
      expect(arm64.code, arm64.output).toBe(0);
      expect(arm64.output).toMatch(new RegExp(`^PASS ${escape(probe)} linux/arm64 `, "m"));
      // BuildKit's own --check with --platform linux/arm64 and nothing else: it evaluated x86_64 (moby/buildkit#5693).
      const plain = bk.docker(["build", "--check", "--progress=quiet", "--platform", "linux/arm64", "-f", probe, dir]);
      expect(plain.code, plain.output).not.toBe(0);
      expect(plain.output).toContain("failed to resolve source metadata for docker.io/library/x86_64:latest");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.each(["linux/arm64", "linux/amd64"])("7. the smoke recipe cross-compiled on the build host for %s: the runtime stage's files are ELF files of that machine", (platform) => {
    expectCrossImage();
    const text = smokeCrossRecipe().render();
    // The verify stage (build host) reads the ELF headers itself and fails the build on a mismatch.
    const verified = bk.build({ dockerfile: text, context: SMOKE_CONTEXT, platform, output: "type=cacheonly" });
    expectBuilt(verified);
    const machine = platform === "linux/arm64" ? "AArch64" : "Advanced Micro Devices X86-64";
    expect(verified.output).toContain(`/target/opt/hello/bin/hello: ${machine}`);
    // And on the host: the target-platform runtime stage exported as files, read here.
    const out = mkdtempSync(join(tmpdir(), "stagewright-cross-"));
    try {
      const exported = bk.build({ dockerfile: text, context: SMOKE_CONTEXT, platform, target: "runtime", output: `type=local,dest=${out}` });
      expectBuilt(exported);
      timings.push(`smoke-cross for ${platform}: verify ${verified.seconds.toFixed(1)} s, runtime export ${exported.seconds.toFixed(1)} s`);
      for (const f of ["opt/hello/bin/hello", "opt/greet/lib/libgreet.so.1.0.0"]) expect(elfMachine(readFileSync(join(out, f))), f).toBe(platform === "linux/arm64" ? "aarch64" : "x86_64");
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);
  test("8. docker buildx bake builds the smoke-cross bake file for linux/arm64, the cross image given as named contexts (CONTEXT_CROSS, CONTEXT_VERIFY) in place of an image that exists nowhere here", () => {
    expectCrossImage();
    const r = smokeCrossRecipe();
    const dir = mkdtempSync(join(tmpdir(), "stagewright-bake-"));
    try {
      const dockerfile = join(dir, `Dockerfile.${r.name}`);
      writeFileSync(join(dir, BAKE_FILE), bakeFile(r));
      writeFileSync(dockerfile, withoutSyntaxDirective(r.render()));
      // The FROM names an unreachable registry: only a context can supply the image (the offline proxy refuses the rest).
      const unreachable = { PLATFORMS: "linux/arm64", SMOKE_CROSS_IMAGE: "registry.invalid/stagewright/smoke-cross:bookworm" };
      const mirrored = { ...unreachable, CONTEXT_CROSS: `docker-image://${SMOKE_CROSS_IMAGE_DEFAULT}`, CONTEXT_VERIFY: `docker-image://${SMOKE_CROSS_IMAGE_DEFAULT}` };
      const bake = (vars: Record<string, string>, ...set: string[]) =>
        bk.docker(
          ["buildx", "bake", "--progress=plain", `--allow=fs.read=${dir}`, `--allow=fs.write=${dir}`, "-f", join(dir, BAKE_FILE),
            "--set", `${r.name}.context=${join(REPO, SMOKE_CONTEXT)}`, "--set", `${r.name}.dockerfile=${dockerfile}`, ...set.flatMap((x) => ["--set", `${r.name}.${x}`])],
          vars,
        );
      const without = bake(unreachable, "output=type=cacheonly");
      expect(without.code, without.output.slice(-3000)).not.toBe(0);
      expect(without.output).toContain("failed to resolve source metadata for registry.invalid/stagewright/smoke-cross:bookworm");
      // The bake target (the recipe's final stage, verify) reads the ELF headers on the build host; --no-cache, so that
      // this bake build runs every step itself (test 7 built the same steps).
      const verified = bake(mirrored, "output=type=cacheonly", "no-cache=true");
      expect(verified.code, verified.output.slice(-3000)).toBe(0);
      expect(verified.output).toContain(`[context registry.invalid/stagewright/smoke-cross:bookworm] load metadata for ${SMOKE_CROSS_IMAGE_DEFAULT}`);
      expect(verified.output).toContain("/target/opt/hello/bin/hello: AArch64");
      const out = join(dir, "out");
      const exported = bake(mirrored, "target=runtime", `output=type=local,dest=${out}`);
      expect(exported.code, exported.output.slice(-3000)).toBe(0);
      timings.push(`bake smoke-cross linux/arm64: refused ${without.seconds.toFixed(1)} s, verify ${verified.seconds.toFixed(1)} s, runtime export ${exported.seconds.toFixed(1)} s`);
      for (const f of ["opt/hello/bin/hello", "opt/greet/lib/libgreet.so.1.0.0"]) expect(elfMachine(readFileSync(join(out, f))), f).toBe("aarch64");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});

/** The machine of an ELF file from its header (e_machine at byte 18, little-endian): 0x3e x86_64, 0xb7 aarch64. */
function elfMachine(b: Buffer): string {
  if (b.subarray(0, 4).toString("latin1") !== "\x7fELF") return "not an ELF file";
  const m = b.readUInt16LE(18);
  return m === 0x3e ? "x86_64" : m === 0xb7 ? "aarch64" : `e_machine 0x${m.toString(16)}`;
}

/** `generated/**\/Dockerfile*` of the repository (absolute paths). */
function committedGeneratedDockerfiles(): string[] {
  const root = join(REPO, "generated");
  let entries: string[];
  try {
    entries = readdirSync(root, { recursive: true, encoding: "utf8" });
  } catch {
    return [];
  }
  return entries
    .filter((p) => /(^|\/)Dockerfile[^/]*$/.test(p))
    .sort()
    .map((p) => join(root, p));
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
