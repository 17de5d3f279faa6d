import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppKnownHostsStore } from '../../../main/transport/app-known-hosts-store';
import {
  entryMatchesHost,
  hashKnownHostName,
  keyTypeOfBlob,
  knownHostName,
  lookupHostKey,
  parseKnownHosts,
  sha256Fingerprint,
} from '../../../main/transport/known-hosts';

let dir: string;
const keys: Record<string, { line: string; type: string; b64: string; blob: Buffer; fp: string }> = {};

function keygen(name: string, type: string, extra: string[] = []) {
  const path = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, ...extra, '-N', '', '-C', name, '-f', path]);
  const line = readFileSync(`${path}.pub`, 'utf8').trim();
  const [t, b64] = line.split(' ') as [string, string];
  const fp = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${path}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
  keys[name] = { line, type: t, b64, blob: Buffer.from(b64, 'base64'), fp };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vmdeck-kh-'));
  keygen('ed', 'ed25519');
  keygen('ed2', 'ed25519');
  keygen('ec', 'ecdsa', ['-b', '256']);
  keygen('rsa', 'rsa', ['-b', '2048']);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fingerprints', () => {
  it('match ssh-keygen -l for ed25519, ecdsa and rsa keys', () => {
    for (const k of Object.values(keys)) {
      expect(sha256Fingerprint(k.blob)).toBe(k.fp);
      expect(sha256Fingerprint(k.blob)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
      expect(keyTypeOfBlob(k.blob)).toBe(k.type);
    }
  });
});

describe('parseKnownHosts', () => {
  it('parses plain lists, [host]:port, comments, markers, and skips bad lines', () => {
    const text = [
      '# a comment',
      '',
      `kvm1.example,192.0.2.1 ${keys.ed!.type} ${keys.ed!.b64} comment words`,
      `[127.0.0.1]:2201 ${keys.ec!.type} ${keys.ec!.b64}`,
      `@revoked * ${keys.rsa!.type} ${keys.rsa!.b64}`,
      `@cert-authority *.example ${keys.ed2!.type} ${keys.ed2!.b64}`,
      `@bogus host ${keys.ed!.type} ${keys.ed!.b64}`,
      'garbage',
      `host ssh-ed25519 !!!notbase64`,
      `host ssh-rsa ${keys.ed!.b64}`,
      `|1|short|x ${keys.ed!.type} ${keys.ed!.b64}`,
    ].join('\n');
    const parsed = parseKnownHosts(text, 'kh');
    expect(parsed.entries).toHaveLength(3);
    expect(parsed.entries[0]!.comment).toBe('comment words');
    expect(parsed.entries[2]!.marker).toBe('revoked');
    expect(parsed.notes.some((n) => n.includes('@cert-authority'))).toBe(true);
    expect(parsed.notes.filter((n) => n.includes('skipped'))).toHaveLength(5);
  });

  it('matches hashed entries generated with HMAC-SHA1 in the test', () => {
    const salt = randomBytes(20);
    const name = '[kvm2.example]:2202';
    const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
    expect(hashKnownHostName(name, salt)).toBe(hashed);
    const { entries } = parseKnownHosts(`${hashed} ${keys.ed!.line}`);
    expect(entryMatchesHost(entries[0]!, name)).toBe(true);
    expect(entryMatchesHost(entries[0]!, 'kvm2.example')).toBe(false);
    expect(lookupHostKey(entries, 'KVM2.example', 2202, keys.ed!.blob).status).toBe('match');
  });

  it('matches entries hashed by ssh-keygen -H', () => {
    const file = join(dir, 'kh-hashed');
    writeFileSync(file, `hashme.example ${keys.ec!.line}\n[hashme.example]:2200 ${keys.ed!.line}\n`);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', file], { stdio: 'ignore' });
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^\|1\|/);
    const { entries } = parseKnownHosts(text);
    expect(lookupHostKey(entries, 'hashme.example', 22, keys.ec!.blob).status).toBe('match');
    expect(lookupHostKey(entries, 'hashme.example', 2200, keys.ed!.blob).status).toBe('match');
    expect(lookupHostKey(entries, 'hashme.example', 2201, keys.ed!.blob).status).toBe('unknown');
  });
});

describe('lookupHostKey', () => {
  const text = () =>
    [
      `kvm1.example,192.0.2.1 ${keys.ed!.line}`,
      `[127.0.0.1]:2201 ${keys.ec!.line}`,
      `*.wild.example,!evil.wild.example ${keys.ed!.line}`,
      `@revoked revoked.example ${keys.ed2!.line}`,
    ].join('\n');

  it('reports match, mismatch (with the known fingerprint), unknown and revoked', () => {
    const { entries } = parseKnownHosts(text());
    expect(lookupHostKey(entries, 'kvm1.example', 22, keys.ed!.blob).status).toBe('match');
    expect(lookupHostKey(entries, '192.0.2.1', 22, keys.ed!.blob).status).toBe('match');
    const mismatch = lookupHostKey(entries, 'kvm1.example', 22, keys.ed2!.blob);
    expect(mismatch).toMatchObject({ status: 'mismatch', knownFingerprints: [keys.ed!.fp] });
    // Another key type is not a mismatch: OpenSSH would ask (and name the known types).
    expect(lookupHostKey(entries, 'kvm1.example', 22, keys.rsa!.blob)).toEqual({ status: 'unknown', otherKeyTypes: ['ssh-ed25519'] });
    expect(lookupHostKey(entries, '127.0.0.1', 2201, keys.ec!.blob).status).toBe('match');
    expect(lookupHostKey(entries, '127.0.0.1', 22, keys.ec!.blob).status).toBe('unknown');
    expect(lookupHostKey(entries, 'a.wild.example', 22, keys.ed!.blob).status).toBe('match');
    expect(lookupHostKey(entries, 'evil.wild.example', 22, keys.ed!.blob).status).toBe('unknown');
    expect(lookupHostKey(entries, 'revoked.example', 22, keys.ed2!.blob).status).toBe('revoked');
  });

  it('names non-22 ports as [host]:port', () => {
    expect(knownHostName('Host.Example', 22)).toBe('host.example');
    expect(knownHostName('10.0.0.1', 2222)).toBe('[10.0.0.1]:2222');
  });
});

describe('AppKnownHostsStore', () => {
  it('adds and replaces keys atomically in a 0600 known_hosts file, keeping other lines', () => {
    const path = join(dir, 'app', 'known_hosts');
    const store = new AppKnownHostsStore(path);
    expect(store.entries()).toEqual([]);
    store.add('kvm1.example', 2201, keys.ed!.blob);
    store.add('kvm1.example', 2201, keys.ed!.blob); // idempotent
    store.add('other.example', 22, keys.ec!.blob);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(store.entries()).toHaveLength(2);
    expect(lookupHostKey(store.entries(), 'kvm1.example', 2201, keys.ed!.blob).status).toBe('match');

    store.replace('kvm1.example', 2201, keys.ed2!.blob);
    expect(lookupHostKey(store.entries(), 'kvm1.example', 2201, keys.ed2!.blob).status).toBe('match');
    expect(lookupHostKey(store.entries(), 'kvm1.example', 2201, keys.ed!.blob).status).toBe('mismatch');
    expect(lookupHostKey(store.entries(), 'other.example', 22, keys.ec!.blob).status).toBe('match');
    expect(readdirSync(join(dir, 'app'))).toEqual(['known_hosts']); // no temporary file left behind
    // The file is valid for OpenSSH too.
    const out = execFileSync('ssh-keygen', ['-F', '[kvm1.example]:2201', '-f', path], { encoding: 'utf8' });
    expect(out).toContain(keys.ed2!.b64);
  });
});
