#!/usr/bin/env node
// The vmdeck CLI: runs main/cli/main.ts through tsx (TypeScript without a separate build step).
import { register } from 'tsx/esm/api';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

register();
const entry = join(dirname(fileURLToPath(import.meta.url)), '..', 'main', 'cli', 'main.ts');
const { runCli } = await import(pathToFileURL(entry).href);
if (process.argv[2] === '--version') {
  process.stdout.write('vmdeck 0.1.0\n');
  process.exit(0);
}
process.exitCode = await runCli(process.argv.slice(2));
process.exit(process.exitCode);
