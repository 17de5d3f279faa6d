/**
 * vmdeck's own known_hosts file (OpenSSH format, in the app's config directory). Keys the user accepts in
 * vmdeck are written here; the user's ~/.ssh files are never modified. Writes are atomic (config-files.ts:
 * temporary file, fsync, rename) with mode 0600; a file that cannot be read is an error, never rewritten.
 */
import { readTextIfExists, writeFileAtomic } from './config-files';
import { entryMatchesHost, formatKnownHostLine, keyTypeOfBlob, knownHostName, readKnownHostsFile, type KnownHostEntry } from './known-hosts';

export class AppKnownHostsStore {
  constructor(private readonly path: string) {}

  get filePath(): string {
    return this.path;
  }

  /** Current entries (read fresh each time: the file is small and another process may have written it). */
  entries(): KnownHostEntry[] {
    return readKnownHostsFile(this.path).entries;
  }

  /** Records an accepted key for host:port (no-op if already present). */
  add(host: string, port: number, key: Buffer): void {
    const lines = this.readLines();
    const line = formatKnownHostLine(host, port, key, `added-by-vmdeck ${new Date().toISOString()}`);
    const name = knownHostName(host, port);
    if (this.entries().some((e) => e.marker === undefined && entryMatchesHost(e, name) && e.key.equals(key))) return;
    lines.push(line);
    this.write(lines);
  }

  /** On explicit user request only: drops every key of the same type recorded for host:port, then adds `key`. */
  replace(host: string, port: number, key: Buffer): void {
    const name = knownHostName(host, port);
    const type = keyTypeOfBlob(key);
    const dropLines = new Set(this.entries().filter((e) => e.marker === undefined && entryMatchesHost(e, name) && e.keyType === type).map((e) => e.line));
    const lines = this.readLines().filter((_l, i) => !dropLines.has(i + 1));
    lines.push(formatKnownHostLine(host, port, key, `replaced-by-vmdeck ${new Date().toISOString()}`));
    this.write(lines);
  }

  /**
   * The file's lines as they are (comments included); empty when the file does not exist yet. An unreadable
   * file is an error: writing after it would replace every key it holds.
   */
  private readLines(): string[] {
    const text = readTextIfExists(this.path);
    if (text === undefined) return [];
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    return lines;
  }

  private write(lines: string[]): void {
    writeFileAtomic(this.path, lines.map((l) => `${l}\n`).join(''));
  }
}
