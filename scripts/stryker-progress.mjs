// A Stryker reporter that appends each mutant's result to reports/mutation/<run>.ndjson as soon as
// it is known, so a run stopped before its end (two shared cores: hours) still leaves what it
// measured; scripts/mutation-summary.mjs reads it. Stryker's own reports are written at the end only.
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { PluginKind, declareClassPlugin } from "@stryker-mutator/api/plugin";

class ProgressReporter {
  #file = `reports/mutation/${process.env.MUTATE ?? "core"}${process.env.MUTATE_QUICK === "1" ? "-quick" : ""}.ndjson`;

  onDryRunCompleted() {
    mkdirSync(dirname(this.#file), { recursive: true });
    writeFileSync(this.#file, "");
  }

  onMutantTested(m) {
    const line = { file: m.fileName, line: m.location.start.line, mutator: m.mutatorName, replacement: m.replacement, status: m.status, statusReason: m.statusReason, killedBy: m.killedBy };
    appendFileSync(this.#file, `${JSON.stringify(line)}\n`);
  }
}

export const strykerPlugins = [declareClassPlugin(PluginKind.Reporter, "progress-file", ProgressReporter)];
