#!/usr/bin/env node
// `npm test`: the four vitest projects one after another (unit, lab, e2e, electron), so suites that share
// the lab's hosts never run at the same time, then one closing line with the totals of all of them.
// Extra arguments go to every vitest run (e.g. `npm test -- -t console`).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const projects = (process.env.VMDECK_TEST_PROJECTS ?? 'unit,lab,e2e,electron').split(',');
const outDir = join(root, 'test-results', 'vitest');
mkdirSync(outDir, { recursive: true });

const totals = { passed: 0, failed: 0, skipped: 0 };
let exitCode = 0;
for (const project of projects) {
  const outputFile = join(outDir, `${project}.json`);
  rmSync(outputFile, { force: true });
  process.stdout.write(`\n== vitest project: ${project}\n`);
  const r = spawnSync(
    process.execPath,
    [vitest, 'run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=${outputFile}`, ...process.argv.slice(2)],
    { cwd: root, stdio: 'inherit' },
  );
  if (r.status !== 0) exitCode = r.status ?? 1;
  try {
    const report = JSON.parse(readFileSync(outputFile, 'utf8'));
    totals.passed += report.numPassedTests ?? 0;
    totals.failed += report.numFailedTests ?? 0;
    totals.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    if ((report.numTotalTests ?? 0) === 0 && project !== 'electron') {
      process.stdout.write(`project ${project} ran no test\n`);
      exitCode ||= 1;
    }
  } catch {
    process.stdout.write(`project ${project}: no report (vitest exited ${r.status})\n`);
    exitCode ||= 1;
  }
}
process.stdout.write(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
process.exit(exitCode);
