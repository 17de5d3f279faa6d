import { describe, expect, it } from 'vitest';
import { isVmdeckError } from '../../../main/core/errors';
import { createDriver, decide, detectToolstack } from '../../../main/hypervisors/detect';
import { LibvirtDriver } from '../../../main/hypervisors/libvirt/libvirt-driver';
import type { ProbeFacts } from '../../../main/hypervisors/probe-script';
import { PROBE_SCRIPT } from '../../../main/hypervisors/probe-script';
import { LxcDriver } from '../../../main/hypervisors/lxc/lxc-driver';
import { XenDriver } from '../../../main/hypervisors/xen/xen-driver';
import { FakeRunner } from './fake-runner';

const NONE: ProbeFacts = { xl: '', virsh: '', uid: '1000', envUri: '', uriDefault: '', system: 'skipped', lxc: '', lxcOk: 'skipped' };
const VIRSH = { ...NONE, virsh: '/usr/bin/virsh' };
const XL = { ...NONE, xl: '/usr/sbin/xl' };
const BOTH = { ...VIRSH, xl: '/usr/sbin/xl' };

function code(run: () => unknown): string | undefined {
  try {
    run();
  } catch (e) {
    return isVmdeckError(e) ? e.code : 'other';
  }
  return undefined;
}

describe('toolstack decision', () => {
  it('xl → Xen, virsh → libvirt, both → Xen with a warning unless configured, neither → UNSUPPORTED', () => {
    expect(decide(XL, { toolstack: 'auto' })).toEqual({ toolstack: 'xen', warnings: [] });
    expect(decide({ ...VIRSH, system: 'no' }, { toolstack: 'auto' })).toMatchObject({ toolstack: 'libvirt', libvirtUri: 'qemu:///session', libvirtUriSource: 'fallback to session' });
    const both = decide(BOTH, { toolstack: 'auto' });
    expect(both.toolstack).toBe('xen');
    expect(both.warnings[0]).toMatch(/both xl and virsh/);
    expect(decide(BOTH, { toolstack: 'libvirt' })).toMatchObject({ toolstack: 'libvirt', warnings: [] });
    expect(code(() => decide(NONE, { toolstack: 'auto' }))).toBe('UNSUPPORTED');
    expect(code(() => decide(VIRSH, { toolstack: 'xen' }))).toBe('UNSUPPORTED');
    expect(code(() => decide(XL, { toolstack: 'libvirt' }))).toBe('UNSUPPORTED');
  });

  it('URI order: configured, LIBVIRT_DEFAULT_URI, uri_default, qemu:///system if reachable, session', () => {
    const all = { ...VIRSH, envUri: 'qemu+ssh://x/system', uriDefault: 'test:///default', system: 'yes' as const };
    expect(decide(all, { toolstack: 'auto', libvirtUri: 'qemu:///embed' })).toMatchObject({ libvirtUri: 'qemu:///embed', libvirtUriSource: 'configured' });
    expect(decide(all, { toolstack: 'auto' })).toMatchObject({ libvirtUri: 'qemu+ssh://x/system', libvirtUriSource: 'LIBVIRT_DEFAULT_URI' });
    expect(decide({ ...all, envUri: '' }, { toolstack: 'auto' })).toMatchObject({ libvirtUri: 'test:///default', libvirtUriSource: 'uri_default' });
    expect(decide({ ...all, envUri: '', uriDefault: '' }, { toolstack: 'auto' })).toMatchObject({ libvirtUri: 'qemu:///system', libvirtUriSource: 'qemu:///system reachable' });
  });
});

describe('LXC detection', () => {
  const LXC = { ...NONE, lxc: '/usr/bin/lxc-ls', lxcOk: 'yes' as const };
  it('lxc-ls alone → LXC; with a configured virsh or xl those win; configured LXC needs a working lxc-ls', () => {
    expect(decide(LXC, { toolstack: 'auto' })).toEqual({ toolstack: 'lxc', warnings: [] });
    // virsh with no configured URI and no system daemon: an LXC host that happens to have libvirt-clients
    const rootIdle = { ...LXC, virsh: '/usr/bin/virsh', system: 'no' as const, uid: '0' };
    const idleVirsh = decide(rootIdle, { toolstack: 'auto' });
    expect(idleVirsh.toolstack).toBe('lxc');
    expect(idleVirsh.warnings.join(' ')).toMatch(/using LXC/);
    expect(decide(rootIdle, { toolstack: 'auto', libvirtUri: 'qemu:///session' }).toolstack).toBe('libvirt');
    expect(decide({ ...rootIdle, envUri: 'qemu:///session' }, { toolstack: 'auto' }).toolstack).toBe('libvirt');
    // a normal user keeps libvirt's session fallback
    expect(decide({ ...rootIdle, uid: '1000' }, { toolstack: 'auto' })).toMatchObject({ toolstack: 'libvirt', libvirtUri: 'qemu:///session' });
    const withVirsh = decide({ ...LXC, virsh: '/usr/bin/virsh', system: 'yes' }, { toolstack: 'auto' });
    expect(withVirsh.toolstack).toBe('libvirt');
    expect(withVirsh.warnings).toEqual([]);
    expect(decide({ ...LXC, xl: '/usr/sbin/xl' }, { toolstack: 'auto' })).toEqual({ toolstack: 'xen', warnings: [] });
    expect(decide({ ...LXC, virsh: '/usr/bin/virsh' }, { toolstack: 'lxc' })).toEqual({ toolstack: 'lxc', warnings: [] });
    expect(code(() => decide(VIRSH, { toolstack: 'lxc' }))).toBe('UNSUPPORTED');
    expect(code(() => decide({ ...LXC, lxcOk: 'no' }, { toolstack: 'lxc' }))).toBe('UNSUPPORTED');
    expect(code(() => decide({ ...LXC, lxcOk: 'no' }, { toolstack: 'auto' }))).toBe('UNSUPPORTED');
  });

  it('the probe reports lxc-ls; an answer from before the question has none', async () => {
    const runner = new FakeRunner(() => ({ stdout: 'xl=\nvirsh=\nuid=0\nenv_uri=\nuri_default=\nsystem=skipped\nlxc=/usr/bin/lxc-ls\nlxc_ok=yes\n' }));
    expect(await detectToolstack(runner, { toolstack: 'auto' })).toEqual({ toolstack: 'lxc', warnings: [] });
    const old = new FakeRunner(() => ({ stdout: 'xl=\nvirsh=\nuid=0\nenv_uri=\nuri_default=\nsystem=skipped\n' }));
    await expect(detectToolstack(old, { toolstack: 'auto' })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    expect(createDriver(runner, { toolstack: 'lxc', warnings: [] })).toBeInstanceOf(LxcDriver);
  });
});

describe('detectToolstack', () => {
  it('runs one fixed probe script and reads its answer', async () => {
    const runner = new FakeRunner(() => ({ stdout: 'xl=\nvirsh=/usr/bin/virsh\nuid=0\nenv_uri=\nuri_default=qemu:///system\nsystem=skipped\n' }));
    const result = await detectToolstack(runner, { toolstack: 'auto' });
    expect(runner.argvs()).toEqual([['sh', '-c', PROBE_SCRIPT]]);
    expect(result).toEqual({ toolstack: 'libvirt', libvirtUri: 'qemu:///system', libvirtUriSource: 'uri_default', warnings: [] });
  });

  it('an unreadable probe answer is PARSE_ERROR', async () => {
    const runner = new FakeRunner(() => ({ stdout: 'Welcome to the host!\n' }));
    await expect(detectToolstack(runner, { toolstack: 'auto' })).rejects.toMatchObject({ code: 'PARSE_ERROR' });
  });

  it('createDriver builds the matching driver', () => {
    const runner = new FakeRunner(() => ({}));
    expect(createDriver(runner, { toolstack: 'xen', warnings: [] })).toBeInstanceOf(XenDriver);
    const lv = createDriver(runner, { toolstack: 'libvirt', libvirtUri: 'qemu:///session', warnings: [] });
    expect(lv).toBeInstanceOf(LibvirtDriver);
    expect(lv.target).toBe('qemu:///session');
  });
});
