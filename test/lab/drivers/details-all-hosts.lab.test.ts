/** Details and console devices of the guests on the other libvirt hosts (kvm2, and inner behind the jump host). */
import { expect, it } from 'vitest';
import { detectToolstack, createDriver } from '../../../main/hypervisors/detect';
import { describeLab } from '../describe-lab';
import { labHost } from '../lab';
import { OpenSshRunner } from './openssh-runner';

describeLab('driver details on kvm2 and inner', () => {
  it.each(['kvm2', 'inner'])('%s: every guest listed by refresh has parseable details', async (host) => {
    const runner = new OpenSshRunner(host);
    const driver = createDriver(runner, await detectToolstack(runner, { toolstack: 'auto' }));
    const { guests } = await driver.refresh();
    expect(guests.map((g) => g.name).sort()).toEqual([...labHost(host).guests].sort());
    for (const g of guests) {
      const ref = { uuid: g.uuid, name: g.name, domId: g.domId };
      expect(await driver.details(ref)).toMatchObject({ uuid: g.uuid, name: g.name, toolstack: 'libvirt' });
      await driver.consoleDevices(ref);
    }
    driver.dispose();
  });
});
