import { describe, expect, it } from 'vitest';
import type { HostView } from '../../../main/core/contract';
import type { GuestDiff } from '../../../main/core/models';
import { HostRegistry } from '../../../main/services/host-registry';
import { MemoryHostCatalog } from '../../../main/services/memory-host-catalog';
import { FakeFleet, guest, settle } from './host-fakes';

function setup() {
  const fleet = new FakeFleet();
  fleet.driver('kvm1').guests = [guest('alpha', 1)];
  fleet.driver('xen1').guests = [guest('web01', 11), guest('mail', 12)];
  const catalog = new MemoryHostCatalog();
  const registry = new HostRegistry(catalog, fleet.linkFactory, fleet.sessionDeps({ watch: false }));
  const changed: HostView[] = [];
  const removed: string[] = [];
  const diffs: GuestDiff[] = [];
  registry.onDidChangeHost((v) => changed.push(v));
  registry.onDidRemoveHost((r) => removed.push(r.id));
  registry.onDidChangeGuests((d) => diffs.push(d));
  return { fleet, catalog, registry, changed, removed, diffs };
}

describe('HostRegistry', () => {
  it('adds hosts to the catalog, connects those marked autoConnect, and merges their guests', async () => {
    const { registry, catalog, fleet } = setup();
    const kvm1 = registry.add({ name: 'kvm1', transport: 'ssh', address: 'kvm1' });
    const xen1 = registry.add({ name: 'xen1', transport: 'ssh', address: 'xen1', autoConnect: false });
    expect(catalog.list().map((h) => h.name)).toEqual(['kvm1', 'xen1']);
    await settle();
    expect(fleet.links.get('kvm1')!.connects).toBe(1);
    expect(fleet.links.get('xen1')!.connects).toBe(0);
    await registry.connect(xen1.config.id);
    expect(registry.guests().map((g) => g.name).sort()).toEqual(['alpha', 'mail', 'web01']);
    expect(registry.guest(kvm1.config.id, guest('alpha', 1).uuid)?.name).toBe('alpha');
    expect(registry.findByName('xen1')?.id).toBe(xen1.config.id);
    expect(() => registry.session('nope')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    registry.dispose();
  });

  it('update replaces the session (new link) and remove disposes it, announcing that its guests left', async () => {
    const { registry, fleet, removed, diffs, catalog } = setup();
    const xen1 = registry.add({ name: 'xen1', transport: 'ssh', address: 'xen1' });
    await registry.connect(xen1.config.id);
    const firstLink = fleet.links.get('xen1')!;
    const updated = registry.update(xen1.config.id, { name: 'xen1', transport: 'ssh', address: '10.0.0.5', autoConnect: false });
    expect(updated.config.address).toBe('10.0.0.5');
    expect(firstLink.disposed).toBe(true);
    expect(diffs.at(-1)).toMatchObject({ hostId: xen1.config.id, removed: [guest('web01', 11).uuid, guest('mail', 12).uuid] });
    await registry.connect(xen1.config.id);
    registry.remove(xen1.config.id);
    expect(removed).toEqual([xen1.config.id]);
    expect(catalog.list()).toEqual([]);
    expect(registry.guests()).toEqual([]);
    expect(() => registry.remove(xen1.config.id)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    registry.dispose();
  });

  it('connectAll connects only autoConnect hosts and reports failures on the host, not as a throw', async () => {
    const { registry, fleet } = setup();
    registry.add({ name: 'kvm1', transport: 'ssh', address: 'kvm1', autoConnect: false });
    registry.add({ name: 'xen1', transport: 'ssh', address: 'xen1', autoConnect: false });
    const hosts = registry.list();
    expect(hosts.map((h) => h.state)).toEqual(['disconnected', 'disconnected']);
    registry.connectAll();
    await settle();
    expect(fleet.links.get('kvm1')!.connects + fleet.links.get('xen1')!.connects).toBe(0);
    registry.dispose();
    expect(fleet.links.get('kvm1')!.disposed).toBe(true);
  });
});
