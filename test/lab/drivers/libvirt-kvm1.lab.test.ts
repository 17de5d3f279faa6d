/**
 * The libvirt driver against real QEMU guests (kvm1, qemu:///session): a shut-off guest goes through the whole
 * lifecycle, and every state change is seen both by refresh() and through watch(). The lab is shared with other
 * suites (consoles use alpha/beta), so the lifecycle runs on a private copy of beta, defined for this suite.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isVmdeckError } from '../../../main/core/errors';
import type { Guest, LifecycleAction } from '../../../main/core/models';
import type { ActionOptions } from '../../../main/core/contract';
import type { ChangeHint, ChangeWatch, GuestRef } from '../../../main/hypervisors/driver';
import { LibvirtDriver } from '../../../main/hypervisors/libvirt/libvirt-driver';
import { describeLab } from '../describe-lab';
import { labHost } from '../lab';
import { eventually, sleep } from './eventually';
import { CountingRunner, OpenSshRunner } from './openssh-runner';

const GUEST = 'drivers-lab-lifecycle';

describeLab('libvirt driver on kvm1 (real QEMU)', () => {
  let runner: CountingRunner;
  let driver: LibvirtDriver;
  let watch: ChangeWatch;
  const hints: ChangeHint[] = [];
  let watchClosed = false;

  const guest = async (name: string): Promise<Guest> => {
    const g = (await driver.refresh()).guests.find((x) => x.name === name);
    if (!g) throw new Error(`${name} not listed`);
    return g;
  };
  const ref = (g: Guest): GuestRef => ({ uuid: g.uuid, name: g.name, domId: g.domId });

  const uri = () => labHost('kvm1').libvirtUri ?? 'qemu:///session';
  const removePrivateGuest = async () => {
    const ssh = new OpenSshRunner('kvm1');
    const ok = { okExitCodes: [0, 1] };
    await ssh.exec(['virsh', '-c', uri(), 'destroy', GUEST], ok);
    await ssh.exec(['virsh', '-c', uri(), 'undefine', '--managed-save', GUEST], ok);
  };

  beforeAll(async () => {
    runner = new CountingRunner(new OpenSshRunner('kvm1'));
    driver = new LibvirtDriver(runner, { uri: uri() });
    await removePrivateGuest();
    const ssh = new OpenSshRunner('kvm1');
    const beta = (await ssh.exec(['virsh', '-c', uri(), 'dumpxml', '--inactive', 'beta'])).stdout;
    const xml = beta
      .replace(/<name>beta<\/name>/, `<name>${GUEST}</name>`)
      .replace(/\s*<uuid>[^<]*<\/uuid>/, '')
      .replace(/vmdeck\.name=beta/, `vmdeck.name=${GUEST}`)
      // beta's serial log file would be shared (and locked) while beta runs: give the copy its own.
      .replace(/beta-serial\.log/g, `${GUEST}-serial.log`);
    await ssh.exec(['virsh', '-c', uri(), 'define', '/dev/stdin'], { stdin: xml });
    watch = await driver.watch((h) => hints.push(h));
    watch.onDidClose(() => (watchClosed = true));
    await sleep(1500); // let `virsh event` register before the first action
  });

  afterAll(async () => {
    watch?.dispose();
    await removePrivateGuest();
  });

  it('refresh lists alpha and beta with one command', async () => {
    const before = runner.execCount;
    const { guests, facts } = await driver.refresh();
    expect(runner.execCount - before).toBe(1);
    // Other suites start and stop alpha; what does not change is its definition.
    const alpha = guests.find((g) => g.name === 'alpha');
    expect(alpha).toMatchObject({ persistent: true, maxVcpus: 1, maxMemoryKiB: 163840 });
    if (alpha?.state === 'running') expect(alpha.domId).toBeGreaterThan(0);
    expect(guests.find((g) => g.name === GUEST)).toMatchObject({ state: 'shutoff', domId: null, persistent: true, autostart: false });
    expect(facts).toMatchObject({ hypervisor: 'QEMU', uri: 'qemu:///session' });
    expect(facts.cpus).toBeGreaterThan(0);
  });

  it('a shut-off guest: start, pause, resume, graceful shutdown, start, force off, managed save, restore — each seen by refresh and by watch()', async () => {
    const beta = await guest(GUEST);
    const steps: [LifecycleAction, ActionOptions, Guest['state'], RegExp][] = [
      ['start', undefined, 'running', /Started Booted/],
      ['pause', undefined, 'paused', /Suspended Paused/],
      ['resume', undefined, 'running', /Resumed Unpaused/],
      ['shutdown', { timeoutSec: 90 }, 'shutoff', /Stopped Shutdown/],
      ['start', undefined, 'running', /Started Booted/],
      ['destroy', undefined, 'shutoff', /Stopped Destroyed/],
      ['start', undefined, 'running', /Started Booted/],
      ['save', undefined, 'shutoff', /Stopped Saved/],
      ['restore', undefined, 'running', /Started Restored/],
    ];
    let bootedAt = 0;
    for (const [action, options, state, event] of steps) {
      const seen = hints.length;
      if (action === 'shutdown') await sleep(Math.max(0, bootedAt + 8000 - Date.now())); // acpid must be up in the guest
      await driver.action(ref(beta), action, options);
      if (action === 'start' || action === 'restore') bootedAt = Date.now();
      const now = await eventually(async () => {
        const g = await guest(GUEST);
        expect(g.state, `${action}`).toBe(state);
        return g;
      });
      expect(now.uuid).toBe(beta.uuid);
      if (action === 'save') expect(now.hasManagedSave).toBe(true);
      if (action === 'restore') expect(now.hasManagedSave).toBe(false);
      await eventually(() => {
        const mine = hints.slice(seen).filter((h) => h.name === GUEST);
        expect(mine.map((h) => h.detail).join('\n'), `event for ${action}`).toMatch(event);
      }, 10_000);
    }
    expect(watchClosed).toBe(false);
  }, 300_000);

  it('restore without a managed save image is INVALID_STATE; actions on a missing guest are NOT_FOUND', async () => {
    const beta = await guest(GUEST);
    if (beta.state !== 'shutoff') await driver.action(ref(beta), 'destroy');
    await expect(driver.action(ref(beta), 'restore')).rejects.toSatisfy((e) => isVmdeckError(e, 'INVALID_STATE'));
    await expect(driver.action({ uuid: '00000000-1111-2222-3333-444444444444', name: 'ghost', domId: null }, 'start')).rejects.toSatisfy((e) =>
      isVmdeckError(e, 'NOT_FOUND'),
    );
    await expect(driver.action(ref(beta), 'pause')).rejects.toSatisfy((e) => isVmdeckError(e, 'INVALID_STATE'));
  });

  it('details and console devices of every guest', async () => {
    for (const g of (await driver.refresh()).guests) {
      const d = await driver.details(ref(g));
      expect(d).toMatchObject({ uuid: g.uuid, name: g.name, toolstack: 'libvirt', rawFormat: 'xml' });
      expect((await driver.consoleDevices(ref(g))).map((c) => c.devName)).toContain('serial0');
    }
  });

  it('a truncated refresh output is PARSE_ERROR and the next refresh succeeds', async () => {
    runner.transform = (_argv, r) => ({ ...r, stdout: r.stdout.slice(0, Math.floor(r.stdout.length / 2)) });
    await expect(driver.refresh()).rejects.toSatisfy((e) => isVmdeckError(e, 'PARSE_ERROR'));
    runner.transform = undefined;
    expect((await driver.refresh()).guests.map((g) => g.name)).toEqual(expect.arrayContaining(['alpha', 'beta', GUEST]));
  });
});
