#!/usr/bin/env node
// The stagewright command. Recipes are TypeScript files, so TypeScript is loaded through tsx.
import { register } from "tsx/esm/api";

register();
await import("./cli.ts");
