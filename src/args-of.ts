import type { Arg } from "./arg.ts";
import type { AnyStage } from "./stage.ts";

/**
 * Every ARG a stage may declare: its own, then those of the artifacts it copies in or installs.
 *
 * @example
 * stageArgs(nixlStage).map((a) => a.name) // ["NIXL_VERSION", ..., "LIBFABRIC_INSTALL_PATH"]
 */
export function stageArgs(s: AnyStage): Arg[] {
  const out = new Map<string, Arg>();
  const add = (a: Arg) => {
    if (!out.has(a.name)) out.set(a.name, a);
  };
  s.args.forEach(add);
  for (const n of s.needs) n.artifact?.args.forEach(add);
  for (const a of Object.values(s.provides)) a.args.forEach(add);
  return [...out.values()];
}
