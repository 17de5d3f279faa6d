/**
 * The Xen driver against the xl simulator (xen1): refresh, pause/unpause verified, reboot (new domid, same UUID),
 * save/restore with a path, graceful shutdown, create from the config, xenstore-watch hints, details.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isVmdeckError } from '../../../main/core/errors';
import type { Guest } from '../../../main/core/models';
import type { ChangeHint, ChangeWatch, GuestRef } from '../../../main/hypervisors/driver';
import { XenDriver } from '../../../main/hypervisors/xen/xen-driver';
import { describeLab } from '../describe-lab';
import { labHost } from '../lab';
import { eventually, sleep } from './eventually';
import { CountingRunner, OpenSshRunner } from './openssh-runner';

/** A guest of this suite's own (the lab is shared): its config pins the UUID, so re-creating keeps it. */
const GUEST = 'drivers-lab-xen';
const GUEST_UUID = '6c1f3a52-0d4e-4b7a-9e21-d5a0c3b7e901';
const CONFIG = `# created by the driver lab tests
name = "${GUEST}"
uuid = "${GUEST_UUID}"
type = "pv"
memory = 256
vcpus = 1
kernel = "/var/lib/xen/boot/${GUEST}/vmlinuz"
cmdline = "root=/dev/xvda1 ro console=hvc0"
disk = [ 'format=raw, vdev=xvda, access=rw, target=/dev/vg0/${GUEST}' ]
vif = [ 'mac=00:16:3e:4c:21:99,bridge=xenbr0' ]
`;

describeLab('Xen driver on xen1 (xl simulator)', () => {
  let runner: CountingRunner;
  let driver: XenDriver;
  let watch: ChangeWatch;
  const hints: ChangeHint[] = [];
  const stateDir = () => (labHost('xen1') as { xenSimDir?: string }).xenSimDir + '/state';
  const configPath = () => `${stateDir()}/${GUEST}.cfg`;
  const savePath = () => `${stateDir()}/${GUEST}.lab-drivers.save`;

  const find = async (name = GUEST): Promise<Guest | undefined> => (await driver.refresh()).guests.find((g) => g.name === name);
  const get = async (name = GUEST): Promise<Guest> => {
    const g = await find(name);
    if (!g) throw new Error(`${name} is not running`);
    return g;
  };
  const ref = (g: Guest): GuestRef => ({ uuid: g.uuid, name: g.name, domId: g.domId });

  beforeAll(async () => {
    runner = new CountingRunner(new OpenSshRunner('xen1'));
    driver = new XenDriver(runner, { factsIntervalMs: 0 });
    const ssh = new OpenSshRunner('xen1');
    await ssh.exec(['xl', 'destroy', GUEST], { okExitCodes: [0, 1] });
    await ssh.exec(['tee', configPath()], { stdin: CONFIG });
    await driver.action({ uuid: GUEST_UUID, name: GUEST, domId: null }, 'start', { path: configPath() });
    watch = await driver.watch((h) => hints.push(h));
    await sleep(1000);
  });

  afterAll(async () => {
    watch?.dispose();
    const ssh = new OpenSshRunner('xen1');
    await ssh.exec(['xl', 'destroy', GUEST], { okExitCodes: [0, 1] }).catch(() => undefined);
    await ssh.exec(['rm', '-f', configPath(), savePath()]).catch(() => undefined);
  });

  it('refresh: fixed commands, UUIDs, Domain-0 flagged, facts from xl info, uptime from xl uptime', async () => {
    const before = runner.execCount;
    const { guests, facts } = await driver.refresh();
    // xl list -v, xl list -l, xl uptime (+ xl info on the first refresh).
    expect(runner.execCount - before).toBe(4);
    expect(guests.every((g) => typeof g.uptimeSec === 'number' && g.uptimeSec >= 0)).toBe(true);
    expect(guests.find((g) => g.domId === 0)).toMatchObject({ name: 'Domain-0', isControlDomain: true, uuid: '00000000-0000-0000-0000-000000000000' });
    expect(guests.find((g) => g.name === GUEST)).toMatchObject({ uuid: GUEST_UUID, osType: 'pv', maxMemoryKiB: 256 * 1024 });
    expect(guests.every((g) => /^[0-9a-f-]{36}$/.test(g.uuid))).toBe(true);
    expect(facts).toMatchObject({ hypervisor: 'Xen' });
    expect(facts.cpus).toBeGreaterThan(0);
  });

  it('pause and unpause are verified; unpausing a running guest is INVALID_STATE', async () => {
    const g = await get();
    await driver.action(ref(g), 'pause');
    expect((await get()).state).toBe('paused');
    await driver.action(ref(g), 'resume');
    expect((await get()).state).not.toBe('paused');
    await expect(driver.action(ref(g), 'resume')).rejects.toSatisfy((e) => isVmdeckError(e, 'INVALID_STATE'));
  });

  it('reset goes through xl trigger and leaves the guest running', async () => {
    const g = await get();
    await driver.action(ref(g), 'reset');
    expect((await get()).state).not.toBe('shutoff');
  });

  it('reboot: same UUID, new domid, announced by xenstore-watch', async () => {
    const g = await get();
    const seen = hints.length;
    await driver.action(ref(g), 'reboot');
    const after = await eventually(async () => {
      const now = await get();
      expect(now.domId).not.toBe(g.domId);
      return now;
    }, 30_000);
    expect(after.uuid).toBe(g.uuid);
    await eventually(() => expect(hints.length).toBeGreaterThan(seen), 10_000);
  });

  it('save to a path removes the guest; restore brings it back with its UUID', async () => {
    const g = await get();
    await driver.action(ref(g), 'save', { path: savePath() });
    expect(await find()).toBeUndefined();
    await driver.action(ref(g), 'restore', { path: savePath() });
    const back = await get();
    expect(back.uuid).toBe(g.uuid);
    expect(back.domId).not.toBe(g.domId);
  });

  it('graceful shutdown with a timeout waits until the domain is gone; start needs the config path', async () => {
    const g = await get();
    const seen = hints.length;
    await driver.action(ref(g), 'shutdown', { timeoutSec: 60 });
    expect(await find()).toBeUndefined();
    await eventually(() => expect(hints.slice(seen).some((h) => h.detail?.startsWith('@releaseDomain'))).toBe(true), 10_000);
    await expect(driver.action(ref(g), 'start')).rejects.toSatisfy((e) => isVmdeckError(e, 'UNSUPPORTED'));
    await driver.action(ref(g), 'start', { path: configPath() });
    // The config pins `uuid = ...`; without it xl create makes a new UUID and vmdeck sees a new guest.
    expect(await get()).toMatchObject({ uuid: GUEST_UUID, state: expect.not.stringMatching(/shutoff/) });
  });

  it('destroy of a vanished guest is NOT_FOUND; Domain-0 has no lifecycle', async () => {
    await expect(driver.action({ uuid: 'x', name: 'no-such-guest', domId: null }, 'destroy')).rejects.toSatisfy((e) => isVmdeckError(e, 'NOT_FOUND'));
    await expect(driver.action({ uuid: '0', name: 'Domain-0', domId: 0 }, 'destroy')).rejects.toSatisfy((e) => isVmdeckError(e, 'UNSUPPORTED'));
  });

  it('details of every guest parse', async () => {
    for (const g of (await driver.refresh()).guests) {
      const d = await driver.details(ref(g));
      expect(d).toMatchObject({ uuid: g.uuid, name: g.name, toolstack: 'xen', rawFormat: 'json' });
      if (g.domId !== 0) expect(d.consoles.length).toBeGreaterThan(0);
    }
  });

  it('a truncated xl list -l is PARSE_ERROR and the next refresh succeeds', async () => {
    runner.transform = (argv, r) => (argv.join(' ') === 'xl list -l' ? { ...r, stdout: r.stdout.slice(0, 700) } : r);
    await expect(driver.refresh()).rejects.toSatisfy((e) => isVmdeckError(e, 'PARSE_ERROR'));
    runner.transform = undefined;
    expect((await driver.refresh()).guests.length).toBeGreaterThan(1);
  });
});
