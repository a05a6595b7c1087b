/**
 * A consumer project with the packed package installed (scripts/pack-consumer.ts), in a temporary
 * folder removed after the test file.
 */
import { packConsumer, type PackedConsumer } from "../../scripts/pack-consumer.ts";
import { tempDir } from "./tmp.ts";

export type { PackedConsumer };

/** Pack this checkout and install the tarball into a new consumer project. */
export function packedConsumer(): PackedConsumer {
  return packConsumer(tempDir("stagewright-pack-"));
}
