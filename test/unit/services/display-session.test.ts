import { describe, expect, it } from 'vitest';
import { Emitter } from '../../../main/core/lifecycle';
import { VmdeckError } from '../../../main/core/errors';
import type { DisplayDevice, DisplayEndpoint, Guest } from '../../../main/core/models';
import type { ByteTunnel, TunnelOpener } from '../../../main/core/tunnel';
import type { HypervisorDriver } from '../../../main/hypervisors/driver';
import { DisplaySession, pickVncDisplay } from '../../../main/services/displays/display-session';
import { systemClock } from '../../../main/core/clock';

class FakeTunnel implements ByteTunnel {
  readonly path = 'direct-tcpip' as const;
  readonly relayTool = undefined;
  closed = false;
  paused = false;
  written: Uint8Array[] = [];
  private readonly data = new Emitter<Uint8Array>();
  private readonly closeE = new Emitter<void>();
  constructor(readonly endpoint: DisplayEndpoint) {}
  onData = (l: (c: Uint8Array) => void) => this.data.event(l);
  onClose = (l: () => void) => this.closeE.event(l);
  emit(bytes: number[] | Uint8Array) {
    this.data.fire(bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes));
  }
  write(d: Uint8Array) {
    this.written.push(d);
  }
  pause() {
    this.paused = true;
  }
  resume() {
    this.paused = false;
  }
  close() {
    if (this.closed) return;
    this.closed = true;
    this.closeE.fire();
  }
  dispose() {
    this.close();
  }
}

function setup(initial: Partial<Guest> = {}) {
  let guest: Guest | undefined = { uuid: 'u1', name: 'web', domId: 3, state: 'running', hostId: 'h' } as unknown as Guest;
  Object.assign(guest, initial);
  let port = 5901;
  const tunnels: FakeTunnel[] = [];
  const displaysCalls: (number | null)[] = [];
  const driver = {
    toolstack: 'xen',
    displays: async (ref: { domId: number | null }) => {
      displaysCalls.push(ref.domId);
      return [{ index: 0, protocol: 'vnc', endpoint: { kind: 'tcp', host: '127.0.0.1', port }, hasPassword: false, label: `VNC 127.0.0.1:${port}` }] as DisplayDevice[];
    },
  } as unknown as HypervisorDriver;
  const opener: TunnelOpener = {
    open: async (endpoint) => {
      const t = new FakeTunnel(endpoint);
      tunnels.push(t);
      return t;
    },
  };
  const session = new DisplaySession(
    { label: 'h/web', guest: () => guest, driver: () => driver, tunnels: () => opener, refresh: async () => undefined },
    systemClock,
    { batchMs: 0, highWatermark: 100, lowWatermark: 20, maxBatchBytes: 1_000_000 },
  );
  return {
    session,
    tunnels,
    displaysCalls,
    setGuest: (g: Partial<Guest> | undefined) => (guest = g === undefined ? undefined : ({ ...guest!, ...g } as Guest)),
    setPort: (p: number) => (port = p),
  };
}

const until = async (fn: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('DisplaySession', () => {
  it('connects, passes bytes both ways untouched, and drops input of an older generation', async () => {
    const t = setup();
    const out: { generation: number; data: Uint8Array }[] = [];
    t.session.onData((d) => out.push(d));
    await t.session.start();
    expect(t.session.status).toBe('connected');
    expect(t.session.generation).toBe(1);
    t.tunnels[0]!.emit([82, 70, 66]);
    await until(() => out.length > 0);
    expect(out[0]).toEqual({ generation: 1, data: Uint8Array.of(82, 70, 66) });
    t.session.input(1, Uint8Array.of(1, 2));
    t.session.input(0, Uint8Array.of(9));
    expect(t.tunnels[0]!.written).toEqual([Uint8Array.of(1, 2)]);
    t.session.close();
    expect(t.tunnels[0]!.closed).toBe(true);
  });

  it('pauses the tunnel at the high watermark and resumes when acknowledged down to the low one', async () => {
    const t = setup();
    await t.session.start();
    t.tunnels[0]!.emit(new Uint8Array(120));
    expect(t.tunnels[0]!.paused).toBe(true);
    t.session.ack(50);
    expect(t.tunnels[0]!.paused).toBe(true);
    t.session.ack(60);
    expect(t.tunnels[0]!.paused).toBe(false);
    t.session.close();
  });

  it('reconnects by itself when the display server goes away: new domain id, new port, generation 2', async () => {
    const t = setup();
    const statuses: string[] = [];
    t.session.onDidChange(() => statuses.push(t.session.status));
    await t.session.start();
    t.setGuest({ domId: 7 });
    t.setPort(5907);
    t.tunnels[0]!.close(); // the guest restarted: its QEMU (and VNC server) is gone
    await until(() => t.session.generation === 2 && t.session.status === 'connected');
    expect(statuses).toContain('reconnecting');
    expect(t.tunnels[1]!.endpoint).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 5907 });
    expect(t.displaysCalls).toEqual([3, 7]);
    t.session.input(1, Uint8Array.of(1));
    t.session.input(2, Uint8Array.of(2));
    expect(t.tunnels[1]!.written).toEqual([Uint8Array.of(2)]);
    t.session.close();
  });

  it('waits while the guest is shut off, then connects when it runs; closes when the guest disappears', async () => {
    const t = setup({ state: 'shutoff', domId: null } as Partial<Guest>);
    await t.session.start();
    expect(t.session.status).toBe('connecting');
    await new Promise((r) => setTimeout(r, 300));
    expect(t.tunnels).toHaveLength(0);
    t.setGuest({ state: 'running', domId: 4 } as Partial<Guest>);
    await until(() => t.session.status === 'connected', 8000);
    t.setGuest(undefined);
    t.tunnels[0]!.close();
    await until(() => t.session.status === 'closed');
  });
});

describe('pickVncDisplay', () => {
  const vnc = { index: 1, protocol: 'vnc', hasPassword: false, label: 'VNC' } as DisplayDevice;
  const spice = { index: 0, protocol: 'spice', hasPassword: false, label: 'SPICE' } as DisplayDevice;
  it('prefers the first VNC display; SPICE only is UNSUPPORTED; none is NOT_FOUND', () => {
    expect(pickVncDisplay([spice, vnc], undefined, 'g')).toBe(vnc);
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof VmdeckError ? e.code : 'other';
      }
      return 'none';
    };
    expect(code(() => pickVncDisplay([spice], undefined, 'g'))).toBe('UNSUPPORTED');
    expect(code(() => pickVncDisplay([], undefined, 'g'))).toBe('NOT_FOUND');
    expect(code(() => pickVncDisplay([vnc], 5, 'g'))).toBe('NOT_FOUND');
  });
});
