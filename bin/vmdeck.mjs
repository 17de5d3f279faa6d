#!/usr/bin/env node
// The vmdeck CLI: runs main/cli/main.ts through tsx (TypeScript without a separate build step).
import { register } from 'tsx/esm/api';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

register();
const entry = join(dirname(fileURLToPath(import.meta.url)), '..', 'main', 'cli', 'main.ts');
const { runCli } = await import(pathToFileURL(entry).href);
const code = await runCli(process.argv.slice(2));
// Exit only once stdout has been flushed: a large --json listing into a pipe is written asynchronously.
process.stdout.write('', () => process.exit(code));
