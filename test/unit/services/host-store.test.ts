import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HostStore } from '../../../main/services/host-store';

const dir = () => mkdtempSync(join(tmpdir(), 'vmdeck-hosts-'));

describe('HostStore', () => {
  it('persists hosts as versioned JSON with mode 0600 and reads them back', () => {
    const d = dir();
    const a = new HostStore(d);
    const h = a.add({ name: 'kvm1', transport: 'ssh', address: 'kvm1.lab' });
    const file = JSON.parse(readFileSync(join(d, 'hosts.json'), 'utf8'));
    expect(file.version).toBe(1);
    expect(statSync(join(d, 'hosts.json')).mode & 0o777).toBe(0o600);
    expect(new HostStore(d).get(h.id)).toMatchObject({ name: 'kvm1', address: 'kvm1.lab', toolstack: 'auto' });
  });

  it('keeps a corrupt file aside with a clear notice and never overwrites it silently', () => {
    const d = dir();
    writeFileSync(join(d, 'hosts.json'), '{"version": 1, "hosts": [ {"name": ');
    const s = new HostStore(d);
    expect(s.list()).toEqual([]);
    expect(s.notice).toMatchObject({ code: 'STORE_CORRUPT', path: join(d, 'hosts.json'), movedTo: expect.stringMatching(/hosts\.json\.corrupt-/) });
    expect(s.notice!.message).toMatch(/could not be read.*kept as .*hosts\.json\.corrupt-/);
    const aside = readdirSync(d).find((f) => f.startsWith('hosts.json.corrupt-'));
    expect(aside).toBeDefined();
    expect(readFileSync(join(d, aside!), 'utf8')).toContain('"hosts": [');
  });

  it('refuses duplicate names and unknown ids with typed errors', () => {
    const s = new HostStore(dir());
    s.add({ name: 'a', transport: 'local' });
    expect(() => s.add({ name: 'a', transport: 'local' })).toThrow(expect.objectContaining({ code: 'ALREADY_EXISTS' }));
    expect(() => s.remove('nope')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });
});
