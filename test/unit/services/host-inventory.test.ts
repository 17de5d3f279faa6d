import { describe, expect, it, vi } from 'vitest';
import { Emitter } from '../../../main/core/lifecycle';
import type { Guest, GuestDiff, HostFacts } from '../../../main/core/models';
import type { ChangeHint, ChangeWatch, HypervisorDriver } from '../../../main/hypervisors/driver';
import { HostInventory } from '../../../main/services/host-inventory';

const guest = (uuid: string, over: Partial<Guest> = {}): Guest => ({
  hostId: '',
  uuid,
  name: uuid,
  domId: 1,
  state: 'running',
  vcpus: 1,
  memoryKiB: 1,
  maxMemoryKiB: 1,
  cpuTimeNs: 0,
  cpuPercent: null,
  autostart: null,
  persistent: true,
  ...over,
});
const facts: HostFacts = { cpus: 2, memoryKiB: 100, freeMemoryKiB: 25, hypervisor: 'test', cpuPercent: null, memoryUsedPercent: null };

class FakeDriver implements HypervisorDriver {
  readonly toolstack = 'libvirt' as const;
  readonly target = 'test';
  guests: Guest[] = [];
  refreshes = 0;
  failNext = false;
  onChange: ((h: ChangeHint) => void) | undefined;
  readonly closed = new Emitter<void>();
  async refresh() {
    this.refreshes++;
    if (this.failNext) {
      this.failNext = false;
      throw Object.assign(new Error('boom'), { code: 'PARSE_ERROR' });
    }
    return { guests: this.guests.map((g) => ({ ...g })), facts };
  }
  watchCalls = 0;
  async watch(onChange: (h: ChangeHint) => void): Promise<ChangeWatch> {
    this.watchCalls++;
    this.onChange = onChange;
    return { onDidClose: this.closed.event, dispose: () => (this.onChange = undefined) };
  }
  action = async () => undefined;
  details = async () => {
    throw new Error('unused');
  };
  consoleDevices = async () => [];
  consoleCommand = () => [];
  dispose() {}
}

describe('HostInventory', () => {
  it('emits UUID-keyed diffs stamped with the host id, driven by pushed events', async () => {
    const driver = new FakeDriver();
    driver.guests = [guest('a'), guest('b')];
    const inv = new HostInventory('h1', driver, { pollIntervalMs: 60_000, debounceMs: 1 });
    const diffs: GuestDiff[] = [];
    inv.onDidChangeGuests((d) => diffs.push(d));
    await inv.start();
    expect(diffs[0]?.added.map((g) => [g.hostId, g.uuid])).toEqual([
      ['h1', 'a'],
      ['h1', 'b'],
    ]);
    driver.guests = [guest('a', { state: 'paused' })];
    driver.onChange?.({ name: 'a' });
    await new Promise((r) => setTimeout(r, 30));
    expect(diffs[1]).toMatchObject({ removed: ['b'], changed: [{ uuid: 'a', state: 'paused' }] });
    inv.dispose();
    expect(driver.onChange).toBeUndefined();
  });

  it('coalesces a burst of events into at most two refreshes', async () => {
    const driver = new FakeDriver();
    const inv = new HostInventory('h', driver, { pollIntervalMs: 60_000, debounceMs: 5 });
    await inv.start();
    const before = driver.refreshes;
    for (let i = 0; i < 50; i++) driver.onChange?.({});
    await new Promise((r) => setTimeout(r, 50));
    expect(driver.refreshes - before).toBeGreaterThanOrEqual(1);
    expect(driver.refreshes - before).toBeLessThanOrEqual(2);
    inv.dispose();
  });

  it('reports a failing refresh and recovers on the next one without losing guests', async () => {
    const driver = new FakeDriver();
    driver.guests = [guest('a')];
    const inv = new HostInventory('h', driver, { pollIntervalMs: 60_000, debounceMs: 1 });
    await inv.start();
    driver.failNext = true;
    await expect(inv.refresh()).rejects.toThrow('boom');
    expect(inv.snapshot.map((g) => g.uuid)).toEqual(['a']);
    await inv.refresh();
    expect(inv.snapshot).toHaveLength(1);
    inv.dispose();
  });

  it('derives guest CPU % and host utilisation from CPU time', async () => {
    const driver = new FakeDriver();
    let now = 1000;
    driver.guests = [guest('a', { cpuTimeNs: 0 })];
    const inv = new HostInventory('h', driver, { pollIntervalMs: 60_000, debounceMs: 1, now: () => now });
    await inv.start();
    now += 1000;
    driver.guests = [guest('a', { cpuTimeNs: 0.5e9 })];
    await inv.refresh();
    expect(inv.guest('a')?.cpuPercent).toBe(50);
    expect(inv.facts).toMatchObject({ cpuPercent: 25, memoryUsedPercent: 75 });
    inv.dispose();
  });

  it('falls back to polling when the event stream ends, then reopens it', async () => {
    vi.useFakeTimers();
    try {
      const driver = new FakeDriver();
      const inv = new HostInventory('h', driver, { pollIntervalMs: 60_000, debounceMs: 1 });
      await inv.start();
      expect(inv.isWatching).toBe(true);
      driver.closed.fire();
      expect(inv.isWatching).toBe(false);
      expect(driver.onChange).toBeUndefined(); // the ended stream was released
      await vi.advanceTimersByTimeAsync(60_000);
      expect(driver.watchCalls).toBe(2);
      expect(inv.isWatching).toBe(true);
      inv.dispose();
    } finally {
      vi.useRealTimers();
    }
  });

  it('a new polling interval takes effect at once, without waiting out the old one', async () => {
    vi.useFakeTimers();
    try {
      const driver = new FakeDriver();
      const inv = new HostInventory('h', driver, { pollIntervalMs: 3_600_000, debounceMs: 1 });
      await inv.start();
      const after = driver.refreshes;
      inv.setPollInterval(2000);
      expect(inv.pollIntervalMs).toBe(2000);
      await vi.advanceTimersByTimeAsync(2100);
      expect(driver.refreshes).toBe(after + 1);
      await vi.advanceTimersByTimeAsync(2000);
      expect(driver.refreshes).toBe(after + 2);
      inv.dispose();
    } finally {
      vi.useRealTimers();
    }
  });
});
