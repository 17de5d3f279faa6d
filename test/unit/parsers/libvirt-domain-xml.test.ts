import { describe, expect, it } from 'vitest';
import { isVmdeckError } from '../../../main/core/errors';
import { parseLibvirtDomainXml } from '../../../main/core/parsers';
import { fixture } from './fixtures';

describe('libvirt domain XML', () => {
  it('a running QEMU guest (captured): aliases name the console', () => {
    const d = parseLibvirtDomainXml(fixture('libvirt/captured-qemu/dumpxml-alpha-running.xml'));
    expect(d).toMatchObject({ name: 'alpha', toolstack: 'libvirt', osType: 'hvm', arch: 'x86_64', machine: 'pc-i440fx-7.2', vcpus: 1, maxVcpus: 1, memoryKiB: 163840, firmware: 'direct kernel', bootOrder: ['hd'], rawFormat: 'xml' });
    expect(d.consoles).toEqual([{ kind: 'serial', devName: 'serial0', port: 0, targetType: 'isa-serial', label: 'Serial 0 (pty)' }]);
    expect(d.raw).toContain('<domain');
  });

  it('a shut-off QEMU guest (captured)', () => {
    const d = parseLibvirtDomainXml(fixture('libvirt/captured-qemu/dumpxml-beta-shutoff.xml'));
    expect(d.name).toBe('beta');
    expect(d.consoles.map((c) => c.devName)).toContain('serial0');
  });

  it('every device kind (captured from the test driver)', () => {
    const d = parseLibvirtDomainXml(fixture('libvirt/captured/dumpxml-kitchen-sink.xml'));
    expect(d).toMatchObject({ vcpus: 2, maxVcpus: 4, memoryKiB: 3145728, maxMemoryKiB: 4194304, firmware: 'loader /usr/share/OVMF/OVMF_CODE_4M.fd', machine: 'pc-q35-7.2' });
    expect(d.bootOrder).toEqual(['sda', 'vda', 'network 52:54:00:aa:bb:07']);
    expect(d.disks.map((x) => [x.device, x.target, x.source, x.format, x.readonly ?? false])).toEqual([
      ['disk', 'vda', '/var/lib/libvirt/images/ks.qcow2', 'qcow2', false],
      ['disk', 'vdb', '/dev/vg0/ks-data', undefined, false],
      ['disk', 'vdc', 'rbd://ceph1:6789/pool/image', 'raw', false],
      ['disk', 'vdd', 'default/vol1.qcow2', undefined, false],
      ['cdrom', 'sda', '/srv/iso/debian.iso', 'raw', true],
      ['floppy', 'fda', undefined, undefined, false],
    ]);
    expect(d.nics.map((n) => [n.type, n.mac, n.source, n.model, n.target])).toEqual([
      ['network', '52:54:00:aa:bb:07', 'default', 'virtio', 'testnet0'],
      ['bridge', '52:54:00:aa:bb:08', 'br0', 'e1000e', 'testnet1'],
      ['direct', '52:54:00:aa:bb:09', 'eth0', undefined, 'testnet2'],
      ['user', '52:54:00:aa:bb:0a', undefined, undefined, 'testnet3'],
    ]);
    expect(d.consoles.map((c) => [c.kind, c.devName, c.targetType])).toEqual([
      ['serial', 'serial0', 'isa-serial'],
      ['serial', 'serial1', 'isa-serial'],
      ['console', 'console1', 'virtio'],
    ]);
    expect(d.graphics).toEqual([
      { type: 'vnc', port: 5905, listen: '127.0.0.1' },
      { type: 'spice', listen: '0.0.0.0' },
    ]);
  });

  it('names with quotes and unicode survive (captured)', () => {
    expect(parseLibvirtDomainXml(fixture('libvirt/captured/dumpxml-off-quote.xml')).name).toBe('off\'quote "dq" $(x)');
    expect(parseLibvirtDomainXml(fixture('libvirt/captured/dumpxml-2024.xml')).name).toBe('2024');
  });

  it('a Xen PV guest through libvirt: bootloader, xen console', () => {
    const d = parseLibvirtDomainXml(fixture('libvirt/handwritten/xen-pv-pygrub.xml'));
    expect(d).toMatchObject({ osType: 'linux', firmware: '/usr/lib/xen-4.17/bin/pygrub', memoryKiB: 524288 });
    expect(d.consoles).toEqual([{ kind: 'console', devName: 'console0', targetType: 'xen', port: 0, label: 'Console 0 (xen)' }]);
    expect(d.graphics).toEqual([{ type: 'vnc', listen: '0.0.0.0' }]);
  });

  it('unknown devices, namespaces, entities and units', () => {
    const d = parseLibvirtDomainXml(fixture('libvirt/handwritten/future-devices.xml'));
    expect(d.name).toBe("  spaced & <escaped> 'name'  ");
    expect(d.uuid).toBe('aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee');
    expect(d.maxMemoryKiB).toBe(524288);
    expect(d.firmware).toBe('efi');
    expect(d.disks).toEqual([{ device: 'disk', target: 'vde', bus: 'virtio' }]);
    expect(d.nics[0]).toMatchObject({ type: 'vhostuser', source: '/run/vhost.sock' });
    expect(d.consoles[0]?.devName).toBe('ua-myserial');
  });

  it.each([
    ['empty', ''],
    ['not XML', 'error: failed to get domain'],
    ['truncated', fixture('libvirt/captured-qemu/dumpxml-alpha-running.xml').slice(0, 700)],
    ['wrong root', '<network><name>x</name><uuid>1</uuid></network>'],
    ['no uuid', '<domain><name>x</name></domain>'],
  ])('%s → PARSE_ERROR', (_what, xml) => {
    let error: unknown;
    try {
      parseLibvirtDomainXml(xml);
    } catch (e) {
      error = e;
    }
    expect(isVmdeckError(error, 'PARSE_ERROR')).toBe(true);
  });
});
