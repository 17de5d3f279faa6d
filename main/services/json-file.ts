/**
 * Small JSON documents in the user's config directory: schema-checked reads, atomic writes
 * (transport/config-files: temp file + fsync + rename, mode 0600), and a corrupt file moved aside under a
 * name of its own (`<file>.corrupt-<timestamp>`, never over an older one) and reported as a typed notice,
 * never silently replaced. A file that cannot be read at all (EACCES ...) is a typed error naming the path
 * and the cause: nothing is started on top of it, so nothing overwrites it.
 */
import type { z } from 'zod';
import { moveAside, readTextIfExists, writeFileAtomic } from '../transport/config-files';

export type ReadOutcome<T> =
  | { kind: 'missing' }
  | { kind: 'ok'; value: T }
  | { kind: 'corrupt'; movedTo: string; reason: string };

/** What a store tells the user about its file at start-up (surfaced in the activity log). */
export interface StoreNotice {
  code: 'STORE_CORRUPT';
  path: string;
  movedTo: string;
  reason: string;
  message: string;
}

export function readJsonFile<S extends z.ZodType>(path: string, schema: S, now: () => number = Date.now): ReadOutcome<z.output<S>> {
  const text = readTextIfExists(path);
  if (text === undefined) return { kind: 'missing' };
  let reason: string;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    if (parsed.success) return { kind: 'ok', value: parsed.data };
    reason = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  } catch (e) {
    reason = e instanceof Error ? e.message : String(e);
  }
  const movedTo = moveAside(path, `corrupt-${new Date(now()).toISOString().replace(/[:.]/g, '-')}`);
  return { kind: 'corrupt', movedTo, reason };
}

/** The notice for a corrupt file, or undefined. */
export function corruptNotice(path: string, outcome: ReadOutcome<unknown>, consequence: string): StoreNotice | undefined {
  if (outcome.kind !== 'corrupt') return undefined;
  return {
    code: 'STORE_CORRUPT',
    path,
    movedTo: outcome.movedTo,
    reason: outcome.reason,
    message: `${path} could not be read (${outcome.reason}). It was kept as ${outcome.movedTo}; ${consequence}`,
  };
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}
