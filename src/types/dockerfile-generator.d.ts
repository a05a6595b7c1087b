// The package ships no types; this declares the one internal module stagewright uses
// (5.0.3 exports only an async `generate`, the sync array form lives in lib/dockerGenerator.js).
declare module "dockerfile-generator/lib/dockerGenerator.js" {
  export function generateDockerFileFromArray(items: readonly Record<string, unknown>[]): string;
}
