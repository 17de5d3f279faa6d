/** Reads files under test/fixtures (captured and reference outputs). */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures');

export function fixture(path: string): string {
  return readFileSync(join(FIXTURES, path), 'utf8');
}

export function fixtureNames(dir: string): string[] {
  return readdirSync(join(FIXTURES, dir)).sort();
}

export interface XlManifestEntry {
  command: string;
  stdout: string | null;
  stderr: string | null;
  exit: number | null;
  notes: string;
}

export function xlManifest(): XlManifestEntry[] {
  return (JSON.parse(fixture('xl/manifest.json')) as { entries: XlManifestEntry[] }).entries;
}

/** A fixed boundary for tests of the refresh framing. */
export const TEST_BOUNDARY = '0123456789abcdef0123456789abcdef';

/**
 * A captured refresh output (recorded with the plain `@@vmdeck:<section>@@` markers) as a run with
 * `boundary` prints it.
 */
export function framed(text: string, boundary: string = TEST_BOUNDARY): string {
  return text.replace(/@@vmdeck:([a-z]+)@@/g, (_m, section: string) => `@@vmdeck:${boundary}:${section}@@`);
}
