/**
 * An ARG's value checks (the ones `--set` applies) as bash lines, for the generated scripts that take
 * ARG values on their own command line: the build script and the host script.
 */
import { argChecks, type Arg } from "./arg.ts";
import { StagewrightError } from "./errors.ts";
import type { ValueCheck } from "./validate.ts";

/**
 * A value as one single-quoted bash word.
 *
 * @example
 * shellQuote("it's") // "'it'\\''s'"
 */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

const VALUE = "\uE000";

/** The POSIX classes for JavaScript's class escapes, outside a bracket expression. */
const CLASS_ESCAPES: Readonly<Record<string, string>> = { s: "[[:space:]]", S: "[^[:space:]]", w: "[[:alnum:]_]", W: "[^[:alnum:]_]", d: "[0-9]", D: "[^0-9]" };

/** A JavaScript regular expression as a bash `[[ =~ ]]` (POSIX ERE) pattern, or an error naming the ARG. */
function ere(pattern: RegExp, arg: string): string {
  // \s \S \w \W \d \D inside [...] have no ERE spelling; outside, each is a POSIX class.
  const unsupported = /\(\?<?[=!]|\\[1-9bB]|\\k<|\[[^\]]*\\[sSwWdD]/.exec(pattern.source);
  const flag = [...pattern.flags].find((f) => f !== "i" && f !== "u");
  if (unsupported !== null || flag !== undefined) {
    throw new StagewrightError("render", `ARG ${arg}: its pattern /${pattern.source}/${pattern.flags} uses ${unsupported?.[0] ?? `flag ${flag}`}, which a generated script's bash regex cannot run; write the pattern without it`, { arg });
  }
  return pattern.source
    .replaceAll("(?:", "(")
    .replace(/\\([sSwWdD])/g, (_, c: string) => CLASS_ESCAPES[c]!)
    .replaceAll("\\/", "/");
}

/** The bash line that applies one value check of an ARG to a shell value (same sentence as --set). */
function checkLine(check: ValueCheck, a: Arg, option: string, value: string): string {
  const sentence = `${option} (ARG ${a.name}): ${check.problem(VALUE)}`;
  const count = sentence.split(VALUE).length - 1;
  const format = sentence.replaceAll("%", "%%").replaceAll(VALUE, "%s");
  const nocase = check.pattern.flags.includes("i") ? 1 : 0;
  return `  check_value "${value}" ${shellQuote(ere(check.pattern, a.name))} ${check.matches ? 1 : 0} ${nocase} ${shellQuote(format)} ${count}`;
}

/**
 * The bash lines that apply every value check of an ARG (its kind's, as `--set` applies them) to
 * the shell value `value`, each exiting 2 with the sentence through {@link checkValueFunction}.
 *
 * @example
 * argValueChecks(LIBFABRIC_VERSION, "--arg LIBFABRIC_VERSION", "${LIBFABRIC_VERSION}")
 */
export function argValueChecks(a: Arg, option: string, value: string): string[] {
  return argChecks(a.kind).map((c) => checkLine(c, a, option, value));
}

/**
 * The bash function `check_value` the lines of {@link argValueChecks} call, naming `script`.
 *
 * @example
 * checkValueFunction("build-nixl-aligned.sh")
 */
export function checkValueFunction(script: string): string {
  return `# check_value VALUE ERE MUST_MATCH NOCASE FORMAT COUNT: exit 2 with the sentence (FORMAT, the value COUNT times)
# unless VALUE matches ERE (MUST_MATCH=1) or does not (MUST_MATCH=0).
check_value() {
  local matched=0 i args=()
  if [ "$4" = 1 ]; then shopt -s nocasematch; fi
  if [[ $1 =~ $2 ]]; then matched=1; fi
  shopt -u nocasematch
  if [ "$matched" != "$3" ]; then
    for ((i = 0; i < $6; i++)); do args+=("$1"); done
    # shellcheck disable=SC2059 # the format is the generated sentence
    printf "${script}: $5\\n" "\${args[@]}" >&2
    exit 2
  fi
}`;
}

