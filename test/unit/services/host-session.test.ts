import { describe, expect, it } from 'vitest';
import { HostInputSchema, type HostConfig, type HostView } from '../../../main/core/contract';
import { VmdeckError } from '../../../main/core/errors';
import type { GuestDiff } from '../../../main/core/models';
import { HostSession } from '../../../main/services/host-session';
import { FakeFleet, FakeLink, guest, settle, uuidOf } from './host-fakes';

const config = (name: string): HostConfig => ({ ...HostInputSchema.parse({ name, transport: 'ssh', address: name }), id: `id-${name}` });

function setup(watch = true) {
  const fleet = new FakeFleet();
  const driver = fleet.driver('kvm1');
  driver.guests = [guest('alpha', 1), guest('beta', 2, { state: 'shutoff', domId: null })];
  const link = fleet.linkFactory(config('kvm1')) as FakeLink;
  const session = new HostSession(config('kvm1'), link, fleet.sessionDeps({ watch }));
  const views: HostView[] = [];
  const diffs: GuestDiff[] = [];
  session.onDidChange((v) => views.push(v));
  session.onDidChangeGuests((d) => diffs.push(d));
  return { fleet, driver, link, session, views, diffs };
}

describe('HostSession', () => {
  it('on connect detects the toolstack, starts the inventory and shows the guests stamped with the host id', async () => {
    const { session, diffs, fleet } = setup();
    await session.connect();
    expect(fleet.detections).toBe(1);
    expect(session.view()).toMatchObject({ state: 'ready', toolstack: 'libvirt', libvirtUri: 'fake:///', facts: { hypervisor: 'fake' } });
    expect(session.guests().map((g) => [g.hostId, g.name])).toEqual([
      ['id-kvm1', 'alpha'],
      ['id-kvm1', 'beta'],
    ]);
    expect(diffs[0]?.added).toHaveLength(2);
    session.dispose();
  });

  it('a dropped link takes the guests away and shows why; the link coming back brings them back', async () => {
    const { session, link, diffs, fleet } = setup();
    await session.connect();
    link.drop({ code: 'DISCONNECTED', message: 'connection lost' });
    expect(session.guests()).toEqual([]);
    expect(diffs.at(-1)).toMatchObject({ removed: [uuidOf(1), uuidOf(2)] });
    expect(session.view()).toMatchObject({ state: 'failed', error: { code: 'DISCONNECTED' } });
    await link.connect();
    await settle();
    expect(fleet.detections).toBe(2);
    expect(session.guests()).toHaveLength(2);
    session.dispose();
  });

  it('a failing event-triggered refresh shows on the host until a refresh works again', async () => {
    const { session, driver, views } = setup();
    await session.connect();
    driver.refreshError = new VmdeckError('PARSE_ERROR', 'virsh printed nonsense');
    driver.emitHint({ name: 'alpha' });
    await new Promise((r) => setTimeout(r, 120)); // the inventory's debounce
    expect(session.view().error).toMatchObject({ code: 'PARSE_ERROR' });
    expect(views.at(-1)?.error?.code).toBe('PARSE_ERROR');
    driver.refreshError = undefined;
    driver.emitHint({ name: 'alpha' });
    await new Promise((r) => setTimeout(r, 120));
    expect(session.view().error).toBeUndefined();
    expect(session.view().state).toBe('ready');
    session.dispose();
  });

  it('runs an action on the driver, then a priority refresh; refuses unknown guests and cancelled signals', async () => {
    const { session, driver } = setup(false);
    await session.connect();
    const before = driver.refreshes;
    driver.onAction = async () => {
      driver.guests = [guest('alpha', 1, { state: 'paused' }), guest('beta', 2, { state: 'shutoff', domId: null })];
    };
    await session.action(uuidOf(1), 'pause');
    expect(driver.actions).toEqual([{ name: 'alpha', action: 'pause' }]);
    expect(driver.refreshes).toBe(before + 1);
    expect(session.guest(uuidOf(1))?.state).toBe('paused');
    await expect(session.action(uuidOf(9), 'pause')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const aborted = new AbortController();
    aborted.abort();
    await expect(session.action(uuidOf(1), 'resume', undefined, aborted.signal)).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(driver.actions).toHaveLength(1);
    session.dispose();
  });

  it('is NOT_CONNECTED before connecting, and a failed connect is the host\'s error', async () => {
    const { session, link } = setup();
    await expect(session.action(uuidOf(1), 'pause')).rejects.toMatchObject({ code: 'NOT_CONNECTED' });
    link.failNext = new VmdeckError('AUTH_FAILED', 'no key accepted');
    await expect(session.connect()).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    expect(session.view()).toMatchObject({ state: 'failed', error: { code: 'AUTH_FAILED' } });
    session.dispose();
    expect(link.disposed).toBe(true);
  });
});
