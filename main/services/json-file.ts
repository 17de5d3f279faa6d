/**
 * Small JSON documents in the user's config directory: schema-checked reads, atomic writes (temp file +
 * rename, mode 0600), and a corrupt file kept aside with a clear message, never silently replaced.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync, fsyncSync, openSync, closeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { z } from 'zod';

export type ReadOutcome<T> =
  | { kind: 'missing' }
  | { kind: 'ok'; value: T }
  | { kind: 'corrupt'; movedTo: string; reason: string };

export function readJsonFile<S extends z.ZodType>(path: string, schema: S, now: () => number = Date.now): ReadOutcome<z.output<S>> {
  if (!existsSync(path)) return { kind: 'missing' };
  const text = readFileSync(path, 'utf8');
  let reason: string;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    if (parsed.success) return { kind: 'ok', value: parsed.data };
    reason = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  } catch (e) {
    reason = e instanceof Error ? e.message : String(e);
  }
  const movedTo = `${path}.corrupt-${new Date(now()).toISOString().replace(/[:.]/g, '-')}`;
  renameSync(path, movedTo);
  return { kind: 'corrupt', movedTo, reason };
}

export function writeJsonAtomic(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n', { mode: 0o600 });
  const fd = openSync(tmp, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
