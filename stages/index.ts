/**
 * stagewright/stages: the stage library for the NIXL + AWS EFA GPU networking image.
 *
 * @example
 * import { cudaDlBase, libfabric, nixl, runtime } from "stagewright/stages"
 */
export * from "./shared.ts";
export * from "./base.ts";
export * from "./efa-drivers.ts";
export * from "./networking/doca.ts";
export * from "./networking/gdrcopy.ts";
export * from "./networking/libfabric.ts";
export * from "./networking/ucx.ts";
export * from "./networking/cpp-deps.ts";
export * from "./networking/grpc.ts";
export * from "./nixl-versions.ts";
export * from "./nixl-rules.ts";
export * from "./nixl.ts";
export * from "./nccl.ts";
export * from "./runtime.ts";
export * from "./runtime-base.ts";
export * from "./test-script.ts";
export * from "./preinstalled.ts";
export * from "./compare-rows.ts";
export * from "./lock-command.ts";
export * from "./platforms.ts";
export * from "./versions-command.ts";
export * from "./host-base.ts";
export * from "./nixl-wheel.ts";
export * from "./torch.ts";
