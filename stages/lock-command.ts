/**
 * The `stagewright lock` command over the stage library's lock (stages/sources.lock.yaml).
 */
import { fileURLToPath } from "node:url";
import { lockCommand } from "../src/index.ts";

/** The stage library's lock file path. */
export const STAGE_LOCK_FILE = fileURLToPath(new URL("./sources.lock.yaml", import.meta.url));

/**
 * `stagewright lock [--lock FILE] [--only ID]... [--base-url URL]`.
 *
 * @example
 * await runLockCommand(["--only", "libfabric-2.3.0"], io)
 */
export const runLockCommand = lockCommand(STAGE_LOCK_FILE);
