import { describe, expect, it } from 'vitest';
import { isVmdeckError } from '../../../main/core/errors';
import { LibvirtDriver } from '../../../main/hypervisors/libvirt/libvirt-driver';
import { XenDriver } from '../../../main/hypervisors/xen/xen-driver';
import { fixture } from '../parsers/fixtures';
import { FakeRunner } from './fake-runner';

const ALPHA = { uuid: '5a0c6e6e-0000-4000-8000-000000000001', name: 'alpha', domId: 3 };

describe('driver.displays', () => {
  it('libvirt reads the live XML of the guest by UUID', async () => {
    const runner = new FakeRunner(() => ({ stdout: fixture('libvirt/captured-qemu/gamma-live-vnc-socket.xml') }));
    const ds = await new LibvirtDriver(runner, { uri: 'qemu:///session' }).displays(ALPHA);
    expect(runner.calls.map((c) => c.argv)).toEqual([['virsh', '-c', 'qemu:///session', 'dumpxml', '--domain', ALPHA.uuid]]);
    expect(ds[0]!.endpoint?.kind).toBe('unix');
  });

  it('xl reads the domain console node of xenstore, and none for a stopped guest or Domain-0', async () => {
    const runner = new FakeRunner((argv) => ({ stdout: `${argv[2]}/vnc-port = "5951"\n${argv[2]}/vnc-listen = "127.0.0.1"\n` }));
    const xen = new XenDriver(runner);
    expect(await xen.displays(ALPHA)).toMatchObject([{ protocol: 'vnc', endpoint: { kind: 'tcp', host: '127.0.0.1', port: 5951 } }]);
    expect(runner.calls.map((c) => c.argv)).toEqual([['xenstore-ls', '-f', '/local/domain/3/console']]);
    expect(await xen.displays({ ...ALPHA, domId: null })).toEqual([]);
    expect(await xen.displays({ ...ALPHA, domId: 0 })).toEqual([]);
    expect(runner.calls).toHaveLength(1);
  });

  it('xl: a missing console node is no display; other failures are typed', async () => {
    const missing = new FakeRunner(() => ({ stderr: 'xenstore-ls: xs_directory (/local/domain/3/console): No such file or directory\n', exitCode: 1 }));
    expect(await new XenDriver(missing).displays(ALPHA)).toEqual([]);
    const denied = new FakeRunner(() => ({ stderr: 'xenstore-ls: could not connect to xenstored: Permission denied\n', exitCode: 1 }));
    const e = await new XenDriver(denied).displays(ALPHA).catch((x: unknown) => x);
    expect(isVmdeckError(e) && e.code).not.toBe(false);
  });
});
