/** Toolstack detection on every lab host, with one probe command each. */
import { expect, it } from 'vitest';
import { createDriver, detectToolstack } from '../../../main/hypervisors/detect';
import { describeLab } from '../describe-lab';
import { CountingRunner, OpenSshRunner } from './openssh-runner';

describeLab('toolstack detection on the lab hosts', () => {
  it.each([
    ['kvm1', 'libvirt', 'qemu:///session'],
    ['fleet', 'libvirt', undefined],
    ['xen1', 'xen', undefined],
    ['ct1', 'lxc', undefined],
  ])('%s → %s', async (host, toolstack, uri) => {
    const runner = new CountingRunner(new OpenSshRunner(host));
    const result = await detectToolstack(runner, { toolstack: 'auto' });
    expect(runner.execCount).toBe(1);
    expect(result.toolstack).toBe(toolstack);
    if (uri) expect(result).toMatchObject({ libvirtUri: uri, libvirtUriSource: 'LIBVIRT_DEFAULT_URI' });
    if (host === 'xen1') expect(result.warnings.join(' ')).toMatch(/both xl and virsh/);
    const driver = createDriver(runner, result);
    expect((await driver.refresh()).guests.length).toBeGreaterThan(0);
    driver.dispose();
  });
});
