/**
 * Test helper: rebuilds selected electron-vite targets (main, preload, renderer) from the project's own
 * electron.vite.config.ts when their outputs are missing or older than their sources. Building only the
 * targets a test inspects keeps it independent of unrelated work in progress elsewhere.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../../..');

export type Target = 'main' | 'preload' | 'renderer';

const OUTPUT: Record<Target, string> = {
  main: 'out/main/index.js',
  preload: 'out/preload/index.cjs',
  renderer: 'out/renderer/index.html',
};
const SOURCES: Record<Target, string[]> = {
  main: ['main'],
  preload: ['preload', 'main/electron/channels.ts', 'main/core'],
  renderer: ['renderer', 'main/core'],
};

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((f) => newest(join(path, f))));
}

export const outputPath = (t: Target): string => join(ROOT, OUTPUT[t]);

export function isStale(t: Target): boolean {
  const out = outputPath(t);
  if (!existsSync(out)) return true;
  return Math.max(...SOURCES[t].map((s) => newest(join(ROOT, s)))) > statSync(out).mtimeMs;
}

/** Builds the stale ones among `targets`; throws with electron-vite's output when the build fails. */
export function ensureBuilt(targets: Target[]): void {
  const stale = targets.filter(isStale);
  if (stale.length === 0) return;
  const dir = join(ROOT, 'node_modules/.cache/vmdeck-test');
  mkdirSync(dir, { recursive: true });
  const config = join(dir, `build-${stale.join('-')}.config.mjs`);
  writeFileSync(
    config,
    [
      "import base from '../../../electron.vite.config.ts';",
      `const keep = ${JSON.stringify(stale)};`,
      'export default Object.fromEntries(Object.entries(base).filter(([k]) => keep.includes(k)));',
      '',
    ].join('\n'),
  );
  try {
    execFileSync('npx', ['electron-vite', 'build', '-c', config], { cwd: ROOT, stdio: 'pipe', timeout: 300_000, encoding: 'utf8' });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    throw new Error(`electron-vite build (${stale.join(', ')}) failed:\n${err.stdout ?? ''}\n${err.stderr ?? ''}`.slice(0, 4000));
  }
}
