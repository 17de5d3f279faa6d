// The whole backend below the UI, against the lab's real hosts: import hosts from the lab's ssh_config,
// see every host's guests, drive a real QEMU guest and watch its state arrive as pushed diffs, use its
// console, and remove the host cleanly. This is what the renderer does through the contract.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../main/app/backend';
import type { ContractClient, EventName, EventPayload, HostView } from '../../main/core/contract';
import { dispatch } from '../../main/core/rpc';
import type { Guest, GuestDiff } from '../../main/core/models';
import { describeLab } from '../lab/describe-lab';
import { loadLab } from '../lab/lab';

interface Recorded {
  event: EventName;
  payload: unknown;
}

async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describeLab('backend against the lab', () => {
  let backend: Backend;
  let client: ContractClient;
  const events: Recorded[] = [];
  const hostIds = new Map<string, string>();
  const call = async <T>(method: string, ...args: unknown[]): Promise<T> => {
    const out = await dispatch(client.handlers, method, args);
    if (!out.ok) throw Object.assign(new Error(`${out.error.code}: ${out.error.message}`), { code: out.error.code });
    return out.result as T;
  };
  const guestsOf = (host: string) => backend.registry.guests().filter((g) => g.hostId === hostIds.get(host));
  const guestNamed = (host: string, name: string) => guestsOf(host).find((g) => g.name === name);

  beforeAll(async () => {
    const lab = loadLab()!;
    backend = await createBackend({ mode: 'browser', configDir: mkdtempSync(join(tmpdir(), 'vmdeck-backend-')), version: 'test' });
    client = backend.connect(<E extends EventName>(event: E, payload: EventPayload<E>) => events.push({ event, payload }));
    const candidates = await call<{ alias: string }[]>('hosts.sshConfigCandidates', lab.sshConfig);
    for (const name of ['kvm1', 'kvm2', 'fleet', 'xen1', 'inner']) {
      expect(candidates.map((c) => c.alias)).toContain(name);
      const view = await call<HostView>('hosts.add', { name, transport: 'ssh', address: name, sshConfigFile: lab.sshConfig });
      hostIds.set(name, view.config.id);
    }
    await until('every host ready with guests', () => [...hostIds.keys()].every((h) => guestsOf(h).length > 0), 90_000);
  });

  afterAll(async () => {
    await backend?.dispose();
  });

  it('shows the guests of libvirt and Xen hosts side by side, each host with its detected toolstack', async () => {
    const views = await call<HostView[]>('hosts.list');
    const byName = new Map(views.map((v) => [v.config.name, v]));
    expect(byName.get('kvm1')).toMatchObject({ state: 'ready', toolstack: 'libvirt', libvirtUri: 'qemu:///session' });
    expect(byName.get('xen1')).toMatchObject({ state: 'ready', toolstack: 'xen' });
    expect(byName.get('inner')).toMatchObject({ state: 'ready', toolstack: 'libvirt' });
    expect(guestNamed('kvm1', 'alpha')).toBeDefined();
    expect(guestNamed('xen1', 'Domain-0')).toMatchObject({ isControlDomain: true });
    expect(guestNamed('xen1', 'web01')).toBeDefined();
    expect(guestsOf('fleet').length).toBeGreaterThanOrEqual(1000);
    const all = await call<Guest[]>('guests.list');
    expect(new Set(all.map((g) => `${g.hostId}/${g.uuid}`)).size).toBe(all.length);
    expect(byName.get('kvm1')?.facts?.cpus).toBeGreaterThan(0);
  });

  it('pauses and resumes a real QEMU guest, and each change arrives as a pushed diff', async () => {
    const gamma = await until('gamma running', () => {
      const g = guestNamed('kvm2', 'gamma');
      return g && g.state === 'running' ? g : undefined;
    });
    const diffsSince = (n: number) => events.slice(n).filter((e) => e.event === 'guests.diff').map((e) => e.payload as GuestDiff);
    const changedTo = (n: number, state: string) => diffsSince(n).some((d) => d.changed.some((g) => g.uuid === gamma.uuid && g.state === state));
    let mark = events.length;
    await call('guests.action', hostIds.get('kvm2'), gamma.uuid, 'pause');
    await until('paused diff', () => changedTo(mark, 'paused'));
    mark = events.length;
    await call('guests.action', hostIds.get('kvm2'), gamma.uuid, 'resume');
    await until('running diff', () => changedTo(mark, 'running'));
    const activity = await call<{ argv: string[] }[]>('activity.list');
    expect(activity.some((r) => r.argv.includes('suspend') || r.argv.includes('resume'))).toBe(true);
  });

  it('opens a console on the shared connection and answers a command', async () => {
    const gamma = guestNamed('kvm2', 'gamma')!;
    const info = await call<{ id: string }>('consoles.open', hostIds.get('kvm2'), gamma.uuid, { cols: 100, rows: 30 });
    let text = '';
    const seen = events.length;
    const collect = () => {
      for (const e of events.slice(seen)) {
        if (e.event !== 'consoles.data') continue;
        const p = e.payload as { id: string; data: Uint8Array };
        if (p.id === info.id) text += Buffer.from(p.data).toString('utf8');
      }
      return text;
    };
    await call('consoles.input', info.id, '\r');
    await new Promise((r) => setTimeout(r, 500));
    await call('consoles.input', info.id, 'echo $((6*7))\r');
    await until('42 on the console', () => {
      text = '';
      return /\r?\n42\r?\n/.test(collect());
    }, 30_000);
    await call('consoles.ack', info.id, Buffer.byteLength(text));
    await call('consoles.close', info.id);
    expect(await call<unknown[]>('consoles.list')).toEqual([]);
  });

  it('rejects hostile arguments at the boundary with typed errors and keeps working', async () => {
    await expect(call('guests.action', hostIds.get('kvm1'), "$(touch /tmp/pwned)'", 'start')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(call('guests.action', 'no-such-host', '10e929b4-52e7-5aa8-9cd0-f56945437d2b', 'start')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(call('guests.details', hostIds.get('kvm1'), '00000000-1111-2222-3333-444444444444')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const alpha = guestNamed('kvm1', 'alpha')!;
    const details = await call<{ rawFormat: string; consoles: unknown[] }>('guests.details', hostIds.get('kvm1'), alpha.uuid);
    expect(details.rawFormat).toBe('xml');
    expect(details.consoles.length).toBeGreaterThan(0);
  });

  it('removing a host releases its guests and connection', async () => {
    const id = hostIds.get('inner')!;
    const mark = events.length;
    await call('hosts.remove', id);
    const after = events.slice(mark);
    expect(after.some((e) => e.event === 'hosts.removed' && (e.payload as { id: string }).id === id)).toBe(true);
    expect(after.some((e) => e.event === 'guests.diff' && (e.payload as GuestDiff).hostId === id && (e.payload as GuestDiff).removed.length > 0)).toBe(true);
    expect(guestsOf('inner')).toEqual([]);
    expect((await call<HostView[]>('hosts.list')).map((v) => v.config.name)).not.toContain('inner');
  });
});
