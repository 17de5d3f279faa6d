/**
 * A lab host set up for console tests: a CommandRunner (the OpenSSH-based one), the real driver for the
 * host's toolstack, a live HostInventory, and a ConsoleService over them whose events are collected here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConsoleInfo, EventName, EventPayload, Settings } from '../../../main/core/contract';
import type { Guest } from '../../../main/core/models';
import type { CommandRunner } from '../../../main/core/runner';
import type { HypervisorDriver } from '../../../main/hypervisors/driver';
import { LibvirtDriver } from '../../../main/hypervisors/libvirt/libvirt-driver';
import { XenDriver } from '../../../main/hypervisors/xen/xen-driver';
import { HostInventory } from '../../../main/services/host-inventory';
import { ConsoleService } from '../../../main/services/consoles/console-service';
import { labHost, loadLab, sshArgs } from '../lab';
import { hostConfig, labManager } from '../transport/support';
import { OpenSshStreamRunner } from './openssh-stream-runner';
import { TrackingRunner } from './tracking-runner';

/**
 * 'ssh2': the app's transport (one shared connection per host, consoles as channels on it);
 * 'openssh': one OpenSSH client process per command (independent of the app's transport).
 */
export type LabTransport = 'ssh2' | 'openssh';

export interface LabConsoleHost {
  hostId: string;
  transport: LabTransport;
  runner: TrackingRunner;
  driver: HypervisorDriver;
  inventory: HostInventory;
  service: ConsoleService;
  logDir: string;
  settings: Settings;
  /** Acknowledge output as soon as it arrives (the default); off for flow-control tests. */
  autoAck: boolean;
  /** Keep output for output()/waitFor() (the default); off while a flood is measured. */
  record: boolean;
  /** Called for every output batch (after it is recorded). */
  onData?: (id: string, data: Uint8Array) => void;
  changes: ConsoleInfo[];
  guest(name: string): Guest;
  output(id: string): string;
  outputBytes(id: string): number;
  /** Resolves when the console's output (from `from` on) matches, rejects after `timeoutMs`. */
  waitFor(id: string, pattern: RegExp, timeoutMs?: number, from?: number): Promise<RegExpMatchArray>;
  dispose(): void;
}

async function labRunner(name: string, transport: LabTransport, scratch: string): Promise<{ runner: CommandRunner; release(): void }> {
  if (transport === 'openssh') {
    const runner = new OpenSshStreamRunner(sshArgs(name), name);
    return { runner, release: () => runner.dispose() };
  }
  const lab = loadLab();
  if (lab === undefined) throw new Error('lab is not up');
  const manager = labManager(lab, scratch);
  const link = manager.add(hostConfig(name));
  await link.connect();
  return { runner: link.runner, release: () => manager.dispose() };
}

export async function openLabConsoleHost(name: 'kvm1' | 'xen1', transport: LabTransport = 'ssh2'): Promise<LabConsoleHost> {
  const host = labHost(name);
  const logDir = mkdtempSync(join(tmpdir(), `vmdeck-console-lab-${name}-`));
  const connection = await labRunner(name, transport, logDir);
  const runner = new TrackingRunner(connection.runner);
  const driver: HypervisorDriver = host.kind === 'xen' ? new XenDriver(runner) : new LibvirtDriver(runner, { uri: host.libvirtUri ?? 'qemu:///session' });
  const inventory = new HostInventory(name, driver, { pollIntervalMs: 1000 });
  await inventory.start();
  const settings: Settings = { confirmDestructive: true, scrollback: 1000, logConsoles: false, logMaxBytes: 64 * 1024 * 1024, pollIntervalSec: 1 };
  const chunks = new Map<string, Buffer[]>();
  const sizes = new Map<string, number>();
  const waiters = new Set<() => void>();
  const self: LabConsoleHost = {
    hostId: name,
    transport,
    runner,
    driver,
    inventory,
    logDir,
    settings,
    autoAck: true,
    record: true,
    changes: [],
    service: undefined as unknown as ConsoleService,
    guest(guestName) {
      const g = inventory.snapshot.find((x) => x.name === guestName);
      if (g === undefined) throw new Error(`${name} has no guest ${guestName}`);
      return g;
    },
    output: (id) => Buffer.concat(chunks.get(id) ?? []).toString('utf8'),
    outputBytes: (id) => sizes.get(id) ?? 0,
    waitFor(id, pattern, timeoutMs = 30_000, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = self.output(id).slice(from).match(pattern);
          if (m === null) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(m);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${pattern} on ${name}; output tail: ${JSON.stringify(self.output(id).slice(-400))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    dispose() {
      self.service.dispose();
      inventory.dispose();
      driver.dispose();
      connection.release();
      rmSync(logDir, { recursive: true, force: true });
    },
  };
  self.service = new ConsoleService({
    runnerFor: () => runner,
    driverFor: () => driver,
    guest: (_hostId, uuid) => inventory.guest(uuid),
    onGuestsChanged: inventory.onDidChangeGuests,
    refreshGuests: () => inventory.refresh(true),
    sink: <E extends EventName>(event: E, payload: EventPayload<E>) => {
      if (event === 'consoles.changed') self.changes.push(payload as ConsoleInfo);
      if (event !== 'consoles.data') return;
      const { id, data } = payload as EventPayload<'consoles.data'>;
      let list = chunks.get(id);
      if (list === undefined) chunks.set(id, (list = []));
      if (self.record) list.push(Buffer.from(data));
      sizes.set(id, (sizes.get(id) ?? 0) + data.byteLength);
      if (self.autoAck) queueMicrotask(() => self.service.ack(id, data.byteLength));
      self.onData?.(id, data);
      for (const w of [...waiters]) w();
    },
    settings: () => settings,
    logDir,
    guestPollMs: 1000,
  });
  return self;
}

/** Presses Enter until the shell prompt shows (the first keystrokes after attaching may go unanswered). */
export async function waitForPrompt(host: LabConsoleHost, id: string, prompt: RegExp, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const from = host.output(id).length;
    host.service.input(id, '\r');
    try {
      await host.waitFor(id, prompt, 3000, from);
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
  }
}

/** Types a line and waits for the shell to answer 42 (prompt → `echo $((6*7))` → 42). */
export async function answers42(host: LabConsoleHost, id: string, timeoutMs = 30_000): Promise<void> {
  const from = host.output(id).length;
  host.service.input(id, 'echo $((6*7))\r');
  await host.waitFor(id, /\r\n42\r\n/, timeoutMs, from);
}
