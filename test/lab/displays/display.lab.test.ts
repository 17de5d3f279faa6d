// Graphical consoles against the lab's real guests: find each display, tunnel to it over the host's one
// SSH connection (TCP forward, UNIX-socket forward, exec relay), speak RFB through the displays.* contract
// with a plain RFB client, type on the guest's tty1 and see the screen change; the external-viewer port.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../../main/app/backend';
import type { ContractClient, DisplayData, DisplayForward, DisplayInfo, EventName, EventPayload, HostView } from '../../../main/core/contract';
import type { DisplayDevice } from '../../../main/core/models';
import { dispatch } from '../../../main/core/rpc';
import { differs, RfbClient } from '../../support/rfb-client';
import { describeLab } from '../describe-lab';
import { labSsh, loadLab } from '../lab';

async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** This process's established TCP connections to a port (ss). */
function connectionsTo(port: number): number {
  const out = execFileSync('ss', ['-Htnp', 'state', 'established', `( dport = :${port} )`], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(`pid=${process.pid},`)).length;
}

describeLab('displays against the lab', () => {
  let backend: Backend;
  let client: ContractClient;
  const hostIds = new Map<string, string>();
  const data = new Map<string, ((d: DisplayData) => void)[]>();
  const changes: DisplayInfo[] = [];
  const call = async <T>(method: string, ...args: unknown[]): Promise<T> => {
    const out = await dispatch(client.handlers, method, args);
    if (!out.ok) throw Object.assign(new Error(`${out.error.code}: ${out.error.message}`), { code: out.error.code });
    return out.result as T;
  };
  const guest = (host: string, name: string) => backend.registry.guests().find((g) => g.hostId === hostIds.get(host) && g.name === name);

  const received: DisplayData[] = [];
  /** An RFB client speaking through displays.input / displays.data (of one generation), acknowledging as it reads. */
  const rfbOver = (info: DisplayInfo) =>
    new RfbClient({
      write: (bytes) => void call('displays.input', info.id, info.generation, bytes),
      onData: (listener) => {
        const deliver = (d: DisplayData) => {
          if (d.id !== info.id || d.generation !== info.generation) return;
          listener(d.data);
          void call('displays.ack', info.id, d.data.byteLength);
        };
        for (const d of received) deliver(d); // what arrived before this client existed
        const list = data.get(info.id) ?? [];
        list.push(deliver);
        data.set(info.id, list);
      },
    });

  beforeAll(async () => {
    const lab = loadLab()!;
    backend = await createBackend({ mode: 'browser', configDir: mkdtempSync(join(tmpdir(), 'vmdeck-displays-')), version: 'test' });
    client = backend.connect(<E extends EventName>(event: E, payload: EventPayload<E>) => {
      if (event === 'displays.data') {
        const d = payload as DisplayData;
        received.push(d);
        for (const l of data.get(d.id) ?? []) l(d);
      }
      if (event === 'displays.changed') changes.push(payload as DisplayInfo);
    });
    for (const name of ['kvm1', 'kvm2', 'xen1']) {
      const view = await call<HostView>('hosts.add', { name, transport: 'ssh', address: name, sshConfigFile: lab.sshConfig });
      hostIds.set(name, view.config.id);
    }
    await until('xen1 guests listed', () => guest('xen1', 'win2019-test-02') !== undefined, 90_000);
    await until('alpha and gamma running', () => guest('kvm1', 'alpha')?.state === 'running' && guest('kvm2', 'gamma')?.state === 'running', 90_000);
  });

  afterAll(async () => {
    await backend?.dispose();
  });

  it('finds alpha on TCP and gamma on a UNIX socket', async () => {
    const alpha = await call<DisplayDevice[]>('displays.devices', hostIds.get('kvm1'), guest('kvm1', 'alpha')!.uuid);
    expect(alpha).toMatchObject([{ protocol: 'vnc', endpoint: { kind: 'tcp', host: '127.0.0.1' } }]);
    const gamma = await call<DisplayDevice[]>('displays.devices', hostIds.get('kvm2'), guest('kvm2', 'gamma')!.uuid);
    expect(gamma).toMatchObject([{ protocol: 'vnc', endpoint: { kind: 'unix' } }]);
  });

  for (const [host, name, path] of [
    ['kvm1', 'alpha', 'direct-tcpip'],
    ['kvm2', 'gamma', 'streamlocal'],
    ['kvm1', 'alpha', 'exec-relay'],
    ['kvm2', 'gamma', 'exec-relay'],
    ['xen1', 'win2019-test-02', 'direct-tcpip'],
  ] as const) {
    it(`${name} over ${path}: the screen shows the guest's text, and typing on it changes the pixels`, async () => {
      const before = connectionsTo(lab().hosts[host]!.port);
      const info = await call<DisplayInfo>('displays.open', hostIds.get(host), guest(host, name)!.uuid, path === 'exec-relay' ? { forceRelay: true } : undefined);
      expect(info).toMatchObject({ status: 'connected', path, generation: 1 });
      if (path === 'exec-relay') expect(info.relayTool ?? (await call<DisplayInfo[]>('displays.list')).find((d) => d.id === info.id)?.relayTool).toBe('python3');
      const rfb = rfbOver(info);
      const size = await rfb.handshake();
      expect(size.width).toBeGreaterThan(100);
      await rfb.update(false);
      expect(rfb.colours()).toBeGreaterThan(1); // not a uniform screen: text on it
      const shot = rfb.snapshot();
      await rfb.type('echo $((6*7))\n');
      await until('the screen to change', async () => {
        await rfb.update(true, 5_000).catch(() => 0);
        return differs(shot, rfb.fb!.pixels) > 50;
      }, 30_000);
      expect(connectionsTo(lab().hosts[host]!.port)).toBe(before); // no extra SSH connection
      await call('displays.close', info.id);
      expect(changes.filter((c) => c.id === info.id).at(-1)?.status).toBe('closed');
    });
  }

  it('xl reboot -F (a new domain id, a new display server): the display reconnects by itself as a new generation', async () => {
    const before = guest('xen1', 'win2019-test-02')!;
    const info = await call<DisplayInfo>('displays.open', hostIds.get('xen1'), before.uuid);
    expect(info.generation).toBe(1);
    await rfbOver(info).handshake();
    const r = await labSsh('xen1', 'xl reboot -F win2019-test-02');
    expect(r.code, r.stderr).toBe(0);
    const next = await until('generation 2 connected', () => changes.find((c) => c.id === info.id && c.generation === 2 && c.status === 'connected'), 60_000);
    expect(changes.some((c) => c.id === info.id && c.status === 'reconnecting')).toBe(true);
    expect(guest('xen1', 'win2019-test-02')!.domId).not.toBe(before.domId);
    const rfb = rfbOver(next);
    expect((await rfb.handshake()).width).toBe(640);
    await rfb.update(false);
    expect(rfb.colours()).toBeGreaterThan(1);
    await call('displays.close', info.id);
  });

  it('vmdeck display forward: 127.0.0.1 only, a plain RFB client gets the framebuffer size, one client at a time', async () => {
    const kvm1Port = lab().hosts.kvm1!.port;
    const before = connectionsTo(kvm1Port);
    const fwd = await call<DisplayForward>('displays.forward', hostIds.get('kvm1'), guest('kvm1', 'alpha')!.uuid);
    expect(fwd.address).toBe(`vnc://127.0.0.1:${fwd.port}`);
    const sock = connect({ host: '127.0.0.1', port: fwd.port });
    sock.on('error', () => undefined);
    const rfb = new RfbClient({ write: (b) => sock.write(b), onData: (l) => sock.on('data', (c: Buffer) => l(new Uint8Array(c))) });
    const size = await rfb.handshake();
    expect(size.width).toBeGreaterThan(100);
    // A second client is refused while the first is connected.
    const second = connect({ host: '127.0.0.1', port: fwd.port });
    second.on('error', () => undefined);
    await new Promise<void>((resolve) => second.once('close', () => resolve()));
    expect(connectionsTo(kvm1Port)).toBe(before);
    await call('displays.unforward', fwd.id);
    await new Promise<void>((resolve) => (sock.destroyed ? resolve() : sock.once('close', () => resolve())));
    const refused = connect({ host: '127.0.0.1', port: fwd.port });
    const err = await new Promise<NodeJS.ErrnoException>((resolve) => refused.once('error', resolve));
    expect(err.code).toBe('ECONNREFUSED');
  });
});

function lab() {
  return loadLab()!;
}
