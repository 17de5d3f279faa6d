/**
 * OpenSSH known_hosts: parsing, host matching (plain patterns, `[host]:port`, hashed `|1|salt|hash`),
 * markers (`@revoked` is a hard stop, `@cert-authority` is ignored with a note) and key lookup.
 * Pure functions over text and buffers, and `readKnownHostsFile` (missing file: no keys; unreadable: error).
 */
import { createHash, createHmac } from 'node:crypto';
import { readTextIfExists } from './config-files';
import { matchPatternList } from './ssh-patterns';

export type KnownHostMarker = 'revoked' | 'cert-authority';

export type KnownHostNames = { kind: 'hashed'; salt: Buffer; hash: Buffer } | { kind: 'patterns'; patterns: string[] };

export interface KnownHostEntry {
  source: string;
  line: number;
  marker?: KnownHostMarker;
  names: KnownHostNames;
  keyType: string;
  /** The public key blob (SSH wire format), as the server sends it. */
  key: Buffer;
  comment?: string;
}

export interface ParsedKnownHosts {
  entries: KnownHostEntry[];
  /** Skipped lines and ignored markers, for diagnostics. */
  notes: string[];
}

export type HostKeyLookup =
  | { status: 'match'; entry: KnownHostEntry }
  | { status: 'revoked'; entry: KnownHostEntry }
  | { status: 'mismatch'; knownFingerprints: string[]; entries: KnownHostEntry[] }
  | { status: 'unknown'; otherKeyTypes: string[] };

/** `SHA256:` + unpadded base64 of the SHA-256 of the key blob, as `ssh-keygen -l` prints it. */
export function sha256Fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside an SSH public key blob (its first string), or undefined when malformed. */
export function keyTypeOfBlob(key: Buffer): string | undefined {
  if (key.length < 4) return undefined;
  const len = key.readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > key.length) return undefined;
  return key.subarray(4, 4 + len).toString('latin1');
}

/** The name a host is recorded under: `host` on port 22, `[host]:port` otherwise; lower-cased. */
export function knownHostName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** A hashed host name as OpenSSH writes it (`ssh-keygen -H`): `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`. */
export function hashKnownHostName(name: string, salt: Buffer): string {
  const hash = createHmac('sha1', salt).update(name).digest();
  return `|1|${salt.toString('base64')}|${hash.toString('base64')}`;
}

function parseNames(field: string): KnownHostNames | undefined {
  if (field.startsWith('|')) {
    const m = /^\|1\|([A-Za-z0-9+/=]+)\|([A-Za-z0-9+/=]+)$/.exec(field);
    if (!m) return undefined;
    const salt = Buffer.from(m[1]!, 'base64');
    const hash = Buffer.from(m[2]!, 'base64');
    if (salt.length !== 20 || hash.length !== 20) return undefined;
    return { kind: 'hashed', salt, hash };
  }
  const patterns = field.split(',').filter((p) => p !== '');
  return patterns.length > 0 ? { kind: 'patterns', patterns } : undefined;
}

export function parseKnownHosts(text: string, source = '<memory>'): ParsedKnownHosts {
  const entries: KnownHostEntry[] = [];
  const notes: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostMarker | undefined;
    if (fields[0]!.startsWith('@')) {
      const m = fields.shift()!;
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else {
        notes.push(`${source}:${lineNo}: unknown marker ${m}; line skipped`);
        return;
      }
    }
    if (fields.length < 3) {
      notes.push(`${source}:${lineNo}: malformed line skipped`);
      return;
    }
    const [nameField, keyType, keyField, ...rest] = fields as [string, string, string, ...string[]];
    const names = parseNames(nameField);
    if (!names) {
      notes.push(`${source}:${lineNo}: bad host field; line skipped`);
      return;
    }
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(keyField)) {
      notes.push(`${source}:${lineNo}: bad key encoding; line skipped`);
      return;
    }
    const key = Buffer.from(keyField, 'base64');
    const blobType = keyTypeOfBlob(key);
    if (blobType !== keyType) {
      notes.push(`${source}:${lineNo}: key type ${keyType} does not match its key data; line skipped`);
      return;
    }
    if (marker === 'cert-authority') {
      notes.push(`${source}:${lineNo}: @cert-authority entries are not supported by vmdeck and are ignored`);
      return;
    }
    const entry: KnownHostEntry = { source, line: lineNo, names, keyType, key };
    if (marker !== undefined) entry.marker = marker;
    if (rest.length > 0) entry.comment = rest.join(' ');
    entries.push(entry);
  });
  return { entries, notes };
}

/** Reads and parses a file; a missing or unreadable file is simply empty. */
/**
 * A known_hosts file's entries; a missing file has none. A file that exists but cannot be read (EACCES, a
 * directory, an I/O error) is an error naming the path and the cause, never "no keys": treating it as
 * empty would turn every known host into an unknown one.
 */
export function readKnownHostsFile(path: string): ParsedKnownHosts {
  const text = readTextIfExists(path);
  return text === undefined ? { entries: [], notes: [] } : parseKnownHosts(text, path);
}

export function entryMatchesHost(entry: KnownHostEntry, name: string): boolean {
  if (entry.names.kind === 'hashed') {
    const mac = createHmac('sha1', entry.names.salt).update(name).digest();
    return mac.equals(entry.names.hash);
  }
  return matchPatternList(name, entry.names.patterns);
}

/** Key types recorded for a host (not revoked), to prefer them when negotiating as OpenSSH does. */
export function knownKeyTypes(entries: readonly KnownHostEntry[], host: string, port: number): string[] {
  const name = knownHostName(host, port);
  const types = new Set<string>();
  for (const e of entries) if (e.marker === undefined && entryMatchesHost(e, name)) types.add(e.keyType);
  return [...types];
}

/**
 * What the files say about `key` for host:port. A revoked key wins over everything; then an exact match;
 * then a recorded key of the same type that differs (mismatch); otherwise unknown.
 */
export function lookupHostKey(entries: readonly KnownHostEntry[], host: string, port: number, key: Buffer): HostKeyLookup {
  const name = knownHostName(host, port);
  const keyType = keyTypeOfBlob(key) ?? '';
  const forHost = entries.filter((e) => entryMatchesHost(e, name));
  const revoked = forHost.find((e) => e.marker === 'revoked' && e.key.equals(key));
  if (revoked) return { status: 'revoked', entry: revoked };
  const plain = forHost.filter((e) => e.marker === undefined);
  const exact = plain.find((e) => e.key.equals(key));
  if (exact) return { status: 'match', entry: exact };
  const sameType = plain.filter((e) => e.keyType === keyType);
  if (sameType.length > 0) {
    return { status: 'mismatch', knownFingerprints: [...new Set(sameType.map((e) => sha256Fingerprint(e.key)))], entries: sameType };
  }
  return { status: 'unknown', otherKeyTypes: [...new Set(plain.map((e) => e.keyType))] };
}

/** One known_hosts line for a key. */
export function formatKnownHostLine(host: string, port: number, key: Buffer, comment?: string): string {
  const type = keyTypeOfBlob(key) ?? 'unknown';
  return `${knownHostName(host, port)} ${type} ${key.toString('base64')}${comment ? ` ${comment}` : ''}`;
}
