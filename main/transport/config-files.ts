/**
 * The small files vmdeck keeps in the user's config directory (hosts, settings, its own known_hosts):
 *  - reading tells "missing" (no file yet: undefined) from "unreadable" (EACCES, a directory, an I/O error:
 *    a typed error naming the path and the cause), so an unreadable file is never taken for an empty one
 *    and then overwritten;
 *  - writing is atomic: a new temporary file in the same directory, written and fsync'd, renamed over the
 *    old one, then the directory fsync'd. A crash (even kill -9) at any point leaves the old or the new
 *    file, never a mix; a failed write removes its temporary file.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { VmdeckError } from '../core/errors';

/** The typed error for a file that exists but cannot be read (or moved). */
export function unreadableFile(path: string, e: unknown, doing = 'read'): VmdeckError {
  const code = (e as NodeJS.ErrnoException).code;
  const cause = e instanceof Error ? e.message : String(e);
  return new VmdeckError(code === 'EACCES' || code === 'EPERM' ? 'PERMISSION_DENIED' : 'CONFIG_ERROR', `Cannot ${doing} ${path}: ${code ?? cause}`, { path, notes: [cause] }, { cause: e });
}

/** The file's text; undefined when it does not exist. */
export function readTextIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw unreadableFile(path, e);
  }
}

export function writeFileAtomic(path: string, text: string, mode = 0o600): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    const fd = openSync(tmp, 'wx', mode);
    try {
      const data = Buffer.from(text, 'utf8');
      for (let off = 0; off < data.length; ) off += writeSync(fd, data, off, data.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // never created, or already renamed
    }
    throw unreadableFile(path, e, 'write');
  }
  syncDirectory(dir);
}

/** Moves a file aside under `<path>.<tag>`, never over an existing file (a counter is added if needed). */
export function moveAside(path: string, tag: string): string {
  let target = `${path}.${tag}`;
  for (let i = 1; existsSync(target); i++) target = `${path}.${tag}-${i}`;
  try {
    renameSync(path, target);
  } catch (e) {
    throw unreadableFile(path, e, 'move aside');
  }
  syncDirectory(dirname(path));
  return target;
}

/** Makes a rename durable (best effort: not every platform can open a directory). */
function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // e.g. Windows
  }
}
