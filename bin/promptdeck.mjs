#!/usr/bin/env node
// The `promptdeck` command (`npx promptdeck eval ...`): runs scripts/eval-cli.ts with tsx, in
// this process, and exits with its code (0 gate passed, 1 gate failed, 2 usage or server error).
import { register } from "tsx/esm/api";
import { fileURLToPath } from "node:url";

register();
const cli = await import(fileURLToPath(new URL("../scripts/eval-cli.ts", import.meta.url)));
process.exitCode = await cli.main(process.argv.slice(2));
