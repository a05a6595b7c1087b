/**
 * Source kinds and build templates (HPCCM's ConfigureMake idea): one template per build system,
 * reused by every component of that kind with per-component options only. A template gives the
 * lines of one compile step; {@link compileStep} adds fetching the source before them, and the
 * staging (DESTDIR) and publishing after them, so every component installs the same way.
 */
import type { Arg } from "./arg.ts";
import { cacheMount, run, type Instruction } from "./instructions.ts";
import { lines, type Script } from "./script.ts";
import { downloadScript, gitCheckoutScript } from "./sources.ts";

/** `make -j` with the NPROC ARG (empty: all cores). */
export const MAKE_J = 'make -j"${NPROC:-$(nproc)}"';

/** The compiler cache, shared by every stage that compiles (ccache handles concurrent use). */
export const CCACHE_MOUNT = cacheMount("/root/.ccache", "shared", "ccache");

/**
 * A RUN step that compiles C/C++: ccache (from the base stage's packages) sits first on PATH, so
 * autotools, make, CMake and meson builds reuse object files across image rebuilds, kept in a
 * cache mount outside the layers.
 *
 * @example
 * compile("./configure --prefix=/usr/local\nmake -j\"$(nproc)\"")
 */
export function compile(script: string | Script): Instruction {
  return run(lines(['export CCACHE_DIR=/root/.ccache PATH="/usr/lib/ccache:${PATH}"', script]), { mounts: [CCACHE_MOUNT] });
}

/**
 * Lines that copy a staged install (`<staged>/...`) into / so the builder stage can use it too,
 * then refresh the loader cache.
 *
 * @example
 * publishStaged("/opt/stagewright/stage/ucx")
 */
export function publishStaged(staged: string): string {
  return [`cp -a ${staged}/. /`, "ldconfig"].join("\n");
}

/** Where a component's source comes from, as the lines that fetch it and enter its directory. */
export interface Source {
  readonly kind: "tarball" | "git";
  /** The directory the lines end in (where the build runs). */
  readonly dir: string;
  readonly lines: readonly (string | Script)[];
}

/**
 * A release tarball or tag archive, verified by the sha256 its ARG holds (pinned from the lock),
 * unpacked into `dir`.
 *
 * @example
 * tarball({ dir: "/usr/local/src/gdrcopy", url: "https://github.com/NVIDIA/gdrcopy/archive/refs/tags/${GDRCOPY_VERSION}.tar.gz", file: "gdrcopy.tar.gz", sha256: GDRCOPY_SHA256 })
 */
export function tarball(o: { readonly dir: string; readonly url: string; readonly file: string; readonly sha256: Arg; readonly args?: readonly Arg[] }): Source {
  const unpack = o.file.endsWith(".tar.bz2") ? "-xjf" : /\.(txz|tar\.xz)$/.test(o.file) ? "-xJf" : "-xzf";
  return {
    kind: "tarball",
    dir: o.dir,
    lines: [`mkdir -p ${o.dir}`, `cd ${o.dir}`, scriptOf(downloadScript(o.url, o.file, o.sha256.name), [o.sha256, ...(o.args ?? [])]), `tar ${unpack} ${o.file} --strip-components=1`],
  };
}

/**
 * A git repository at the ref its ARG holds, checked against the commit its other ARG holds
 * (pinned from the lock), cloned under /usr/local/src (or `under`) and entered unless `enter` is false.
 *
 * @example
 * git({ repo: "https://github.com/openucx/ucx.git", dir: "ucx", ref: UCX_VERSION, commit: UCX_COMMIT })
 */
export function git(o: { readonly repo: string; readonly dir: string; readonly ref: Arg; readonly commit: Arg; readonly submodules?: boolean; readonly enter?: boolean; readonly under?: string }): Source {
  const parent = o.under ?? "/usr/local/src";
  return {
    kind: "git",
    dir: o.enter === false ? parent : `${parent}/${o.dir}`,
    lines: [
      ...(o.under === undefined ? ["cd /usr/local/src"] : [`mkdir -p ${o.under}`, `cd ${o.under}`]),
      scriptOf(gitCheckoutScript(o.repo, o.dir, o.ref.name, o.commit.name, o.submodules === true ? { submodules: true } : {}), [o.ref, o.commit]),
      ...(o.enter === false ? [] : [`cd ${o.dir}`]),
    ],
  };
}

/**
 * A source fetched in its own RUN step, and the source that enters it for the compile step after
 * it: a stage can then copy its build needs in between (`stepsBeforeNeeds: 1`), so a changed need
 * re-runs the build but not the download.
 *
 * @example
 * const src = fetchedSource(tarball({ dir: "/usr/local/src/libfabric", url, file: "libfabric.tar.bz2", sha256: LIBFABRIC_SHA256 }))
 * const steps = [src.fetch, compileStep({ source: src.source, build, staged })]
 */
export function fetchedSource(source: Source): { readonly fetch: Instruction; readonly source: Source } {
  return { fetch: run(lines(source.lines)), source: { kind: source.kind, dir: source.dir, lines: [`cd ${source.dir}`] } };
}

/** A build template: the lines that configure and build, and how it installs into DESTDIR. */
export interface Build {
  readonly lines: readonly (string | Script)[];
  /** The install command, given the DESTDIR. */
  readonly install: ((staged: string) => string) | undefined;
}

/**
 * autotools: optionally `./autogen.sh` (a git checkout or tag archive ships no configure script),
 * `./configure` with the component's flags, `make`, and `make DESTDIR=... <target>`.
 *
 * @example
 * configureMake({ flags: ['--prefix="${LIBFABRIC_INSTALL_PATH}"', "--enable-efa"] })
 */
export function configureMake(o: {
  readonly flags: readonly (string | Script)[];
  readonly autogen?: boolean | string;
  readonly installTarget?: string;
  readonly parallelInstall?: boolean;
}): Build {
  const autogen = o.autogen === undefined || o.autogen === false ? [] : typeof o.autogen === "string" ? [`# ${o.autogen}`, "./autogen.sh"] : ["./autogen.sh"];
  return {
    lines: [...autogen, lines(["./configure \\\n    ", lines(o.flags, " \\\n    ")], ""), MAKE_J],
    install: (staged) => `${o.parallelInstall === true ? MAKE_J : "make"} DESTDIR=${staged} ${o.installTarget ?? "install"}`,
  };
}

/**
 * CMake: configure `source` into `build` with the component's flags, build with make, install
 * into DESTDIR.
 *
 * @example
 * cmake({ flags: ["-DCMAKE_BUILD_TYPE=Release", "-DCMAKE_INSTALL_PREFIX=/usr/local"] })
 */
export function cmake(o: { readonly flags: readonly (string | Script)[]; readonly source?: string; readonly build?: string }): Build {
  const dir = o.build ?? "build";
  return {
    lines: [lines([`cmake -S ${o.source ?? "."} -B ${dir} `, lines(o.flags, " ")], ""), `${MAKE_J} -C ${dir}`],
    install: (staged) => `make -C ${dir} DESTDIR=${staged} install`,
  };
}

/**
 * meson + ninja: `meson setup` with the component's flags, `ninja`, and `meson install --destdir`.
 *
 * @example
 * meson({ flags: ['--prefix="${NIXL_PREFIX}"', '--buildtype="${NIXL_BUILD_TYPE}"'] })
 */
export function meson(o: { readonly flags: readonly (string | Script)[]; readonly before?: readonly string[] }): Build {
  return {
    lines: [...(o.before ?? []), lines(["meson setup build/ \\\n    ", lines(o.flags, " \\\n    ")], ""), 'ninja -C build -j "${NPROC:-$(nproc)}"'],
    install: (staged) => `meson install -C build --destdir ${staged}`,
  };
}

/**
 * A build the component writes itself (a Makefile without configure, or without DESTDIR); it
 * stages its own files when `install` is omitted.
 *
 * @example
 * custom([`${MAKE_J} prefix="\${GDRCOPY_PREFIX}" lib`], (staged) => `make prefix="\${GDRCOPY_PREFIX}" DESTDIR=${staged} lib_install`)
 */
export function custom(buildLines: readonly (string | Script)[], install?: (staged: string) => string): Build {
  return { lines: buildLines, install };
}

/**
 * The one compile step of a component: fetch the source, run the build template, install into the
 * staged DESTDIR, publish the staged files into the builder (unless `publish` is false), then the
 * component's checks (`after`).
 *
 * @example
 * compileStep({ source: tarball({...}), build: configureMake({ flags }), staged: "/opt/stagewright/stage/libfabric" })
 */
export function compileStep(o: {
  readonly source: Source;
  readonly build: Build;
  readonly staged: string;
  readonly before?: readonly (string | Script)[];
  readonly after?: readonly (string | Script)[];
  readonly publish?: boolean;
}): Instruction {
  return compile(
    lines([
      ...o.source.lines,
      ...(o.before ?? []),
      ...o.build.lines,
      ...(o.build.install !== undefined ? [o.build.install(o.staged)] : []),
      ...(o.publish === false ? [] : [publishStaged(o.staged)]),
      ...(o.after ?? []),
    ]),
  );
}

/**
 * A script of shell text that reads the given ARGs (for text written by a helper such as
 * downloadScript, whose ARG references are names).
 *
 * @example
 * scriptOf(downloadScript(url, "x.tar.gz", "X_SHA256"), [X_SHA256])
 */
export function scriptOf(text: string, args: readonly Arg[]): Script {
  return Object.freeze({ text, args, literals: [text] });
}
