import { describe, expect, it } from 'vitest';
import { isVmdeckError } from '../../../main/core/errors';
import { createDriver, decide, detectToolstack } from '../../../main/hypervisors/detect';
import { LibvirtDriver } from '../../../main/hypervisors/libvirt/libvirt-driver';
import type { ProbeFacts } from '../../../main/hypervisors/probe-script';
import { PROBE_SCRIPT } from '../../../main/hypervisors/probe-script';
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
