/**
 * Shell scripts whose ARG and artifact references are typed values: `sh` renders an Arg as
 * `${NAME}` and an artifact (or a path in it) as its prefix reference, and remembers which ARGs
 * the script reads and which text was written literally. A component checks the ARGs against the
 * ones it declares, and the lint rule hard-coded-prefix reads only the literal text, so a path
 * restated by hand is caught while the same path taken from the artifact is not.
 */
import type { Arg } from "./arg.ts";
import { pathIn, type AnyArtifact } from "./artifact.ts";

/** A script built by {@link sh}: its text, the ARGs it reads, and its literally written parts. */
export interface Script {
  readonly text: string;
  readonly args: readonly Arg[];
  /** The text written literally (interpolated strings count as literal; Args and artifact paths do not). */
  readonly literals: readonly string[];
}

/** A path inside an artifact, as a typed value for {@link sh}. */
export interface ArtifactPath {
  readonly artifact: AnyArtifact;
  readonly rel: string;
}

/** What {@link sh} interpolates. */
export type ScriptPart = string | number | Arg | AnyArtifact | ArtifactPath | Script | readonly ScriptPart[];

/**
 * A path inside an artifact for {@link sh}: `${LIBFABRIC_INSTALL_PATH}/lib`, or the literal prefix
 * when no ARG carries it.
 *
 * @example
 * sh`ls ${at(fabric.provides.libfabric, "lib")}`.text // "ls ${LIBFABRIC_INSTALL_PATH}/lib"
 */
export function at(artifact: AnyArtifact, rel: string): ArtifactPath {
  return Object.freeze({ artifact, rel });
}

function isScript(p: object): p is Script {
  return "text" in p && "literals" in p;
}
function isArtifact(p: object): p is AnyArtifact {
  return "delivery" in p && "producer" in p;
}
function isPath(p: object): p is ArtifactPath {
  return "artifact" in p && "rel" in p;
}

interface Acc {
  text: string;
  args: Arg[];
  literals: string[];
}

function literal(acc: Acc, s: string): void {
  acc.text += s;
  if (s !== "") acc.literals.push(s);
}

function typed(acc: Acc, text: string, args: readonly Arg[]): void {
  acc.text += text;
  for (const a of args) if (!acc.args.some((x) => x.name === a.name)) acc.args.push(a);
}

function add(acc: Acc, p: ScriptPart): void {
  if (typeof p === "string" || typeof p === "number") return literal(acc, String(p));
  if (Array.isArray(p)) return (p as readonly ScriptPart[]).forEach((x) => add(acc, x));
  const o = p as Exclude<ScriptPart, string | number | readonly ScriptPart[]>;
  if (isScript(o)) {
    acc.text += o.text;
    acc.literals.push(...o.literals);
    typed(acc, "", o.args);
  } else if (isPath(o)) typed(acc, pathIn(o.artifact, o.rel), o.artifact.prefixArg !== undefined ? [o.artifact.prefixArg] : []);
  else if (isArtifact(o)) typed(acc, pathIn(o, ""), o.prefixArg !== undefined ? [o.prefixArg] : []);
  else typed(acc, `\${${o.name}}`, [o]);
}

/**
 * A shell script with typed references: an Arg renders as `${NAME}`, an artifact as its prefix
 * (`${LIBFABRIC_INSTALL_PATH}`, or the literal when no ARG carries it), `at(a, rel)` as a path in it.
 *
 * @example
 * sh`./configure --prefix="${LIBFABRIC_INSTALL_PATH}" --with-cuda=${cuda}`
 */
export function sh(strings: TemplateStringsArray, ...parts: readonly ScriptPart[]): Script {
  const acc: Acc = { text: "", args: [], literals: [] };
  strings.forEach((s, i) => {
    literal(acc, s);
    if (i < parts.length) add(acc, parts[i]!);
  });
  return Object.freeze({ text: acc.text, args: acc.args, literals: acc.literals });
}

/**
 * Scripts (or plain lines) joined by a separator into one script, keeping their references.
 *
 * @example
 * lines([sh`cd ${prefix}`, "make"]).text // "cd ${PREFIX}\nmake"
 */
export function lines(parts: readonly (Script | string)[], separator = "\n"): Script {
  const acc: Acc = { text: "", args: [], literals: [] };
  parts.forEach((p, i) => {
    if (i > 0) literal(acc, separator);
    add(acc, p);
  });
  return Object.freeze({ text: acc.text, args: acc.args, literals: acc.literals });
}

/**
 * Text the core derived from artifacts (loader directories, linkage assertions): it reads no ARG by
 * name and holds no hand-written path, so lint's hard-coded-prefix rule has nothing to read in it.
 *
 * @example
 * run(derivedText(linkageAssertions(artifacts, "runtime").join("\n")))
 */
export function derivedText(text: string): Script {
  return Object.freeze({ text, args: [], literals: [] });
}
