/**
 * The libvirt driver against the fleet (libvirt test driver, 1200 guests with hostile names in every state):
 * one refresh returns every guest with the state virsh reports, in a fixed number of commands.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import { isVmdeckError } from '../../../main/core/errors';
import { libvirtStateFromCode, parseVirshListTable } from '../../../main/core/parsers';
import { LibvirtDriver } from '../../../main/hypervisors/libvirt/libvirt-driver';
import { describeLab } from '../describe-lab';
import { labHost, labSsh, loadLab } from '../lab';
import { CountingRunner, OpenSshRunner } from './openssh-runner';

interface FleetGuest {
  name: string;
  uuid: string;
  runstate: number;
  managedSave: boolean;
}

describeLab('libvirt driver on the fleet (test driver, 1200 guests)', () => {
  let runner: CountingRunner;
  let driver: LibvirtDriver;
  let fleet: FleetGuest[];

  beforeAll(() => {
    runner = new CountingRunner(new OpenSshRunner('fleet'));
    driver = new LibvirtDriver(runner, { uri: labHost('fleet').libvirtUri ?? '' });
    fleet = JSON.parse(readFileSync(loadLab()!.fleet!.guestsFile, 'utf8')) as FleetGuest[];
  });

  it('one refresh = one command, every guest with the state `virsh list --all` shows', async () => {
    const started = Date.now();
    const { guests, facts } = await driver.refresh();
    const ms = Date.now() - started;
    expect(runner.execCount).toBe(1);
    expect(guests).toHaveLength(fleet.length);
    expect(fleet.length).toBeGreaterThanOrEqual(1000);

    const byUuid = new Map(guests.map((g) => [g.uuid, g]));
    for (const f of fleet) {
      const g = byUuid.get(f.uuid);
      expect(g, f.name).toBeDefined();
      expect(g!.name).toBe(f.name);
      expect(g!.state, f.name).toBe(libvirtStateFromCode(f.runstate));
      expect(g!.hasManagedSave, f.name).toBe(f.managedSave);
    }

    // The human table escapes non-ASCII bytes (\xff) unless the locale is UTF-8; the driver never reads it.
    const table = parseVirshListTable((await labSsh('fleet', 'LC_ALL=C.UTF-8 virsh list --all')).stdout);
    expect(table).toHaveLength(guests.length);
    const byName = new Map(guests.map((g) => [g.name, g]));
    for (const row of table) {
      const g = byName.get(row.name);
      expect(g, row.name).toBeDefined();
      expect(g!.state, row.name).toBe(row.state);
      expect(g!.domId, row.name).toBe(row.id);
    }
    expect(facts.cpus).toBeGreaterThan(0);
    console.info(`fleet refresh: ${guests.length} guests in ${ms} ms, ${runner.execCount} command`);
  });

  it('the number of commands does not grow with the guests: three refreshes = three commands', async () => {
    const before = runner.execCount;
    for (let i = 0; i < 3; i++) await driver.refresh();
    expect(runner.execCount - before).toBe(3);
    expect(runner.argvs.every((a) => a[0] === 'virsh' && a[1] === '-c' && a.length === 4)).toBe(true);
  });

  it('details of every hostile-named guest (and every 100th other) parse; actions on them; no name ever reached a shell', async () => {
    const hostile = fleet.filter((f) => !/^fleet-\d+$/.test(f.name));
    for (const f of [...hostile, ...fleet.filter((_f, i) => i % 100 === 99)]) {
      const d = await driver.details({ uuid: f.uuid, name: f.name, domId: null });
      expect(d.name).toBe(f.name);
      expect(d.uuid).toBe(f.uuid);
    }
    for (const f of hostile.filter((x) => x.runstate !== 5)) await driver.action({ uuid: f.uuid, name: f.name, domId: null }, 'destroy').catch(() => undefined);
    expect((await labSsh('fleet', 'ls -a ~')).stdout).not.toMatch(/vmdeck-pwned/);
  });

  it('a truncated refresh output is PARSE_ERROR and the next refresh succeeds', async () => {
    runner.transform = (_argv, r) => ({ ...r, stdout: r.stdout.slice(0, r.stdout.length - 5000) });
    await expect(driver.refresh()).rejects.toSatisfy((e) => isVmdeckError(e, 'PARSE_ERROR'));
    runner.transform = undefined;
    expect((await driver.refresh()).guests).toHaveLength(fleet.length);
  });
});
