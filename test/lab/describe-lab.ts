// describeLab(): a vitest describe() for suites that need the lab (test/lab/README.md).
// Lab up: runs. Lab down: skips with the reason in the suite name, except in CI
// (process.env.CI set), where it throws so the run fails instead of silently passing.
import { describe } from 'vitest';
import { labUnavailableReason } from './lab';

export function describeLab(name: string, fn: () => void): void {
  const reason = labUnavailableReason();
  if (!reason) {
    describe(name, fn);
    return;
  }
  if (process.env.CI) {
    throw new Error(`${name}: ${reason}. CI needs the lab: run "npm run lab:up" (as root) before the lab tests.`);
  }
  describe.skip(`${name} [skipped: ${reason}]`, fn);
}
