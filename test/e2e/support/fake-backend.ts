/* eslint-disable @typescript-eslint/no-explicit-any -- handlers receive wire arguments, as main's would before validation */
/**
 * A scripted stand-in for the backend, for renderer tests that need exact, repeatable situations (5,000
 * guests, every prompt kind, a failing action, a console with a tiny shell) without real hosts. It serves
 * the built renderer through the real browser-mode server (main/web/server.ts: token, Origin checks,
 * argument validation), so only the handlers behind the contract are scripted. The real backend is exercised by lab.test.ts.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ConsoleInfo, HostView, Prompt, Settings, SshConfigCandidate, TaskInfo } from '../../../main/core/contract';
import type { ConsoleDevice, Guest, GuestDetails, GuestState, LifecycleAction } from '../../../main/core/models';
import type { CommandRecord } from '../../../main/core/runner';
import type { VmdeckHandlers } from '../../../main/core/contract';
import { startWebServer } from '../../../main/web/server';
import { ROOT } from './app';


export interface FakeOptions {
  fleetSize?: number;
  tickMs?: number;
}

export interface FakeBackend {
  url: string;
  close(): Promise<void>;
  /** Pushes a prompt as the backend would while connecting. */
  prompt(p: Prompt): void;
  /** Every `consoles.open` call so far, oldest first. */
  opened: readonly OpenedConsole[];
}

export interface OpenedConsole {
  guest: string;
  device?: string;
}

function uuidFor(i: number, host: number): string {
  const h = (n: number, w: number) => n.toString(16).padStart(w, '0');
  return `${h(host, 8)}-0000-4000-8000-${h(i, 12)}`;
}

const STATES: GuestState[] = ['running', 'running', 'running', 'blocked', 'paused', 'shutoff', 'shutoff', 'crashed', 'pmsuspended', 'shutdown'];

export async function startFakeBackend(o: FakeOptions = {}): Promise<FakeBackend> {
  const staticDir = path.join(ROOT, 'out', 'renderer');
  const now = Date.now();
  const hostView = (id: string, name: string, toolstack: 'libvirt' | 'xen', state: HostView['state'], extra: Partial<HostView> = {}): HostView => ({
    config: { id, name, transport: 'ssh', address: name, toolstack: 'auto', pollIntervalSec: 5, autoConnect: true },
    state,
    toolstack: state === 'ready' ? toolstack : undefined,
    warnings: [],
    ...extra,
  });
  const hosts = new Map<string, HostView>([
    ['h-kvm1', hostView('h-kvm1', 'kvm1', 'libvirt', 'ready', { libvirtUri: 'qemu:///system', facts: { cpus: 16, memoryKiB: 64 * 1024 * 1024, freeMemoryKiB: 21 * 1024 * 1024, hypervisor: 'QEMU', hypervisorVersion: '8.2.2', cpuPercent: 37, memoryUsedPercent: 67 } })],
    ['h-xen1', hostView('h-xen1', 'xen1', 'xen', 'ready', { facts: { cpus: 8, memoryKiB: 32 * 1024 * 1024, freeMemoryKiB: 3 * 1024 * 1024, hypervisor: 'Xen', hypervisorVersion: '4.17', cpuPercent: 12, memoryUsedPercent: 91 } })],
    ['h-fleet', hostView('h-fleet', 'fleet', 'libvirt', 'ready', { libvirtUri: 'test:///default', facts: { cpus: 64, memoryKiB: 512 * 1024 * 1024, freeMemoryKiB: 200 * 1024 * 1024, hypervisor: 'TEST', cpuPercent: 74, memoryUsedPercent: 61 } })],
    ['h-old', hostView('h-old', 'old-lab', 'libvirt', 'failed', { error: { code: 'AUTH_FAILED', message: 'all authentication methods failed (publickey)', details: { host: 'old-lab', notes: ['tried ~/.ssh/id_ed25519', 'server accepts: publickey'] } }, reconnectAt: now + 60_000 })],
    ['h-new', hostView('h-new', 'new-box', 'libvirt', 'disconnected')],
  ]);
  const guests = new Map<string, Guest>();
  const mk = (hostId: string, hi: number, i: number, name: string, state: GuestState, extra: Partial<Guest> = {}): Guest => {
    const active = state !== 'shutoff' && state !== 'crashed';
    const g: Guest = {
      hostId, uuid: uuidFor(i, hi), name, domId: active ? i + 1 : null, state, vcpus: 1 + (i % 4), maxVcpus: 4,
      memoryKiB: (512 << (i % 4)) * 1024, maxMemoryKiB: (512 << (i % 4)) * 1024, cpuTimeNs: 1e9 * i,
      cpuPercent: state === 'running' ? (i * 7) % 90 : state === 'blocked' ? 0.4 : active ? 0 : null,
      autostart: i % 3 === 0, persistent: true, osType: 'hvm', arch: 'x86_64', uptimeSec: active ? 3600 * (i % 50) + 61 * i : null, ...extra,
    };
    guests.set(`${hostId}/${g.uuid}`, g);
    return g;
  };
  mk('h-kvm1', 1, 1, 'alpha', 'running');
  mk('h-kvm1', 1, 2, 'beta', 'shutoff');
  mk('h-kvm1', 1, 3, 'web-01', 'paused');
  mk('h-kvm1', 1, 4, 'db-primary', 'running', { vcpus: 8, memoryKiB: 16 * 1024 * 1024, maxMemoryKiB: 16 * 1024 * 1024 });
  // Two console devices: opening its console asks which one (see 'consoles.devices').
  mk('h-kvm1', 1, 5, 'router-01', 'running');
  mk('h-xen1', 2, 0, 'Domain-0', 'running', { isControlDomain: true, osType: 'xen', autostart: null });
  mk('h-xen1', 2, 1, 'web01', 'running', { osType: 'pvh' });
  mk('h-xen1', 2, 2, 'mail', 'blocked', { osType: 'pv' });
  mk('h-xen1', 2, 3, 'win2019-test-02', 'shutoff');
  const fleetSize = o.fleetSize ?? 5000;
  for (let i = 1; i <= fleetSize; i++) mk('h-fleet', 3, i, `fleet-${String(i).padStart(4, '0')}`, STATES[i % STATES.length]!);

  let settings: Settings = { confirmDestructive: true, scrollback: 10_000, logConsoles: false, logMaxBytes: 64 << 20, pollIntervalSec: 5 };
  const activity: CommandRecord[] = [];
  const consoles = new Map<string, ConsoleInfo & { line: string }>();
  const opened: OpenedConsole[] = [];
  const prompts = new Map<string, Prompt>();
  const tasks = new Map<string, TaskInfo>();
  let nextId = 1;
  let sink: (e: string, p: unknown) => void = () => undefined;
  const emit = (e: string, p: unknown) => sink(e, p);
  const record = (hostId: string, argv: string[], exitCode: number | null, durationMs: number, error?: string) => {
    const r: CommandRecord = { hostId, argv, startedAt: Date.now() - durationMs, durationMs, exitCode, kind: 'exec', ...(error ? { error } : {}) };
    activity.push(r);
    emit('activity.added', r);
  };
  for (let i = 0; i < 12; i++) {
    activity.push({ hostId: 'h-kvm1', argv: ['virsh', 'domstats', '--raw'], startedAt: now - 60_000 + i * 5000, durationMs: 40 + i, exitCode: 0, kind: 'exec' });
    activity.push({ hostId: 'h-xen1', argv: ['xl', 'list', '-l'], startedAt: now - 60_000 + i * 5000 + 100, durationMs: 90 + i, exitCode: 0, kind: 'exec' });
  }
  activity.push({ hostId: 'h-old', argv: ['ssh', 'old-lab'], startedAt: now - 30_000, durationMs: 1200, exitCode: null, error: 'AUTH_FAILED', kind: 'exec' });

  const key = (hostId: string, uuid: string) => `${hostId}/${uuid}`;
  const setState = (g: Guest, state: GuestState) => {
    const active = state !== 'shutoff' && state !== 'crashed';
    const ng: Guest = { ...g, state, domId: active ? (g.domId ?? 100 + nextId++) : null, cpuPercent: state === 'running' ? 5 : active ? 0 : null, uptimeSec: active ? (g.uptimeSec ?? 1) : null };
    guests.set(key(g.hostId, g.uuid), ng);
    emit('guests.diff', { hostId: g.hostId, added: [], removed: [], changed: [ng] });
  };

  const write = (c: ConsoleInfo, text: string) => emit('consoles.data', { id: c.id, data: new TextEncoder().encode(text) });
  const shell = (c: ConsoleInfo & { line: string }, cmd: string): string =>
    cmd
      .split(';')
      .map((part) => shell1(part))
      .join('');
  const shell1 = (cmd: string): string => {
    const t = cmd.trim();
    let m: RegExpExecArray | null;
    if (t === '') return '';
    if ((m = /^echo \$\(\((\d+)\s*\*\s*(\d+)\)\)$/.exec(t))) return `${Number(m[1]) * Number(m[2])}\r\n`;
    if ((m = /^seq 1 (\d+)$/.exec(t))) return Array.from({ length: Math.min(100_000, Number(m[1])) }, (_, i) => `${i + 1}`).join('\r\n') + '\r\n';
    if ((m = /^echo (.*)$/.exec(t))) return `${m[1]}\r\n`;
    if (t.startsWith('stty ')) return '';
    if (t === 'osc52') return '\x1b]52;c;aGVsbG8=\x07clipboard attempt sent\r\n';
    if (t === 'colors') return [31, 32, 33, 34, 35, 36].map((n) => `\x1b[${n}mcolour ${n}\x1b[0m`).join('  ') + '\r\nsee https://example.org/docs\r\n';
    return `sh: ${t.split(' ')[0]}: not found\r\n`;
  };

  const handlers: Record<string, (...a: any[]) => unknown> = {
    'app.info': () => ({ version: '0.1.0', mode: 'browser', platform: 'linux', canStoreSecrets: false }),
    'app.openExternal': () => undefined,
    'hosts.list': () => [...hosts.values()],
    'hosts.add': (input: any) => {
      const id = `h-${nextId++}`;
      const v = hostView(id, input.name, 'libvirt', 'connecting');
      v.config = { ...v.config, ...input, id };
      hosts.set(id, v);
      setTimeout(() => {
        const p: Prompt = { id: `p-${nextId++}`, hostId: id, kind: 'host-key-unknown', title: 'Unknown host key', message: '', fingerprint: 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8', keyType: 'ssh-ed25519' };
        prompts.set(p.id, p);
        emit('hosts.changed', { ...v, state: 'verifying' });
        emit('prompts.request', p);
      }, 300);
      return v;
    },
    'hosts.update': (id: string, input: any) => {
      const v = hosts.get(id)!;
      const nv = { ...v, config: { ...v.config, ...input, id } };
      hosts.set(id, nv);
      return nv;
    },
    'hosts.remove': (id: string) => {
      hosts.delete(id);
      for (const [k, g] of guests) if (g.hostId === id) guests.delete(k);
      emit('hosts.removed', { id });
    },
    'hosts.connect': (id: string) => {
      const v = hosts.get(id);
      if (!v) throw { code: 'NOT_FOUND', message: 'no such host' };
      emit('hosts.changed', { ...v, state: 'verifying', error: undefined });
      const p: Prompt =
        id === 'h-old'
          ? { id: `p-${nextId++}`, hostId: id, kind: 'host-key-mismatch', title: 'Host key changed', message: '', fingerprint: 'SHA256:Zm9vYmFyYmF6cXV1eGZvb2JhcmJhenF1dXhmb29iYXI', expectedFingerprint: 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8', keyType: 'ssh-ed25519' }
          : { id: `p-${nextId++}`, hostId: id, kind: 'password', title: `Password for admin@${v.config.name}`, message: `${v.config.name} asks for a password.`, fields: [{ label: 'Password', secret: true }], canRemember: false };
      prompts.set(p.id, p);
      emit('prompts.request', p);
    },
    'hosts.disconnect': (id: string) => {
      const v = hosts.get(id)!;
      const nv = { ...v, state: 'disconnected' as const };
      hosts.set(id, nv);
      emit('hosts.changed', nv);
      // As the real backend does: the host's consoles close with its connection.
      for (const c of consoles.values()) {
        if (c.hostId !== id || c.status === 'closed') continue;
        const closed = { ...c, status: 'closed' as const };
        consoles.set(c.id, closed);
        const { line: _l, ...info } = closed;
        emit('consoles.changed', info);
      }
    },
    'hosts.sshConfigCandidates': (p?: string) => {
      if (p && !existsSync(p)) throw { code: 'NOT_FOUND', message: `${p}: no such file` };
      const c: SshConfigCandidate[] = [
        { alias: 'kvm1', hostname: '10.0.0.11', user: 'root', sourceFile: p ?? '~/.ssh/config' },
        { alias: 'kvm3', hostname: '10.0.0.13', user: 'root', port: 2222, sourceFile: p ?? '~/.ssh/config' },
        { alias: 'xen2', hostname: '10.0.1.2', user: 'admin', proxyJump: 'bastion', sourceFile: p ?? '~/.ssh/config' },
      ];
      return c;
    },
    'guests.list': () => [...guests.values()],
    'guests.details': (hostId: string, uuid: string): GuestDetails => {
      const g = guests.get(key(hostId, uuid));
      if (!g) throw { code: 'NOT_FOUND', message: 'guest not found' };
      const xen = hostId === 'h-xen1';
      const raw = xen
        ? JSON.stringify({ domid: g.domId, config: { c_info: { name: g.name, uuid: g.uuid, type: 'pvh' }, b_info: { max_vcpus: g.vcpus, max_memkb: g.maxMemoryKiB }, disks: [{ pdev_path: `/dev/vg0/${g.name}`, vdev: 'xvda', format: 'raw' }], nics: [{ mac: '00:16:3e:12:34:56', bridge: 'xenbr0' }] } }, null, 2)
        : `<domain type='kvm'>\n  <name>${g.name}</name>\n  <uuid>${g.uuid}</uuid>\n  <memory unit='KiB'>${g.maxMemoryKiB}</memory>\n  <vcpu placement='static'>${g.vcpus}</vcpu>\n  <os>\n    <type arch='x86_64' machine='pc-q35-8.2'>hvm</type>\n    <boot dev='hd'/>\n  </os>\n  <devices>\n    <disk type='file' device='disk'>\n      <driver name='qemu' type='qcow2'/>\n      <source file='/var/lib/libvirt/images/${g.name}.qcow2'/>\n      <target dev='vda' bus='virtio'/>\n    </disk>\n    <interface type='network'>\n      <mac address='52:54:00:ab:cd:ef'/>\n      <source network='default'/>\n      <model type='virtio'/>\n    </interface>\n    <serial type='pty'><target port='0'/></serial>\n    <console type='pty'><target type='serial' port='0'/></console>\n    <graphics type='vnc' port='5901' listen='127.0.0.1'/>\n  </devices>\n</domain>\n`;
      return {
        hostId, uuid, name: g.name, toolstack: xen ? 'xen' : 'libvirt', osType: g.osType, arch: 'x86_64', machine: xen ? undefined : 'pc-q35-8.2', firmware: xen ? 'pvh' : 'bios',
        vcpus: g.vcpus, maxVcpus: g.maxVcpus, memoryKiB: g.memoryKiB, maxMemoryKiB: g.maxMemoryKiB, bootOrder: ['hd'],
        disks: xen ? [{ device: 'disk', target: 'xvda', source: `/dev/vg0/${g.name}`, format: 'raw' }] : [{ device: 'disk', target: 'vda', bus: 'virtio', source: `/var/lib/libvirt/images/${g.name}.qcow2`, format: 'qcow2' }, { device: 'cdrom', target: 'sda', bus: 'sata', readonly: true }],
        nics: [{ mac: xen ? '00:16:3e:12:34:56' : '52:54:00:ab:cd:ef', type: xen ? 'bridge' : 'network', source: xen ? 'xenbr0' : 'default', model: xen ? undefined : 'virtio', target: 'vnet3' }],
        consoles: xen ? [{ kind: 'pv', devName: 'pv', label: 'PV console' }, { kind: 'serial', devName: 'serial', label: 'Serial 0' }] : [{ kind: 'serial', devName: 'serial0', targetType: 'serial', port: 0, label: 'Serial 0' }],
        graphics: xen ? [] : [{ type: 'vnc', port: 5901, listen: '127.0.0.1' }],
        raw, rawFormat: xen ? 'json' : 'xml',
      };
    },
    'guests.action': async (hostId: string, uuid: string, action: LifecycleAction) => {
      const g = guests.get(key(hostId, uuid));
      if (!g) throw { code: 'NOT_FOUND', message: 'guest not found' };
      const argv = hostId === 'h-xen1' ? ['xl', action === 'start' ? 'create' : action, g.name] : ['virsh', action, '--', g.name];
      await new Promise((r) => setTimeout(r, 400));
      if (action === 'save') {
        record(hostId, argv, 1, 380);
        throw { code: 'COMMAND_FAILED', message: `save ${g.name}: exit status 1`, details: { exitCode: 1, stderr: `error: Failed to save domain '${g.name}'\nerror: operation failed: domain save image dir is not writable`, command: argv, host: hosts.get(hostId)?.config.name } };
      }
      record(hostId, argv, 0, 400);
      const next: Partial<Record<LifecycleAction, GuestState>> = { start: 'running', shutdown: 'shutoff', destroy: 'shutoff', pause: 'paused', resume: 'running', reboot: 'running', reset: 'running' };
      if (action === 'autostart-on' || action === 'autostart-off') {
        const ng = { ...g, autostart: action === 'autostart-on' };
        guests.set(key(hostId, uuid), ng);
        emit('guests.diff', { hostId, added: [], removed: [], changed: [ng] });
      } else if (next[action]) setState(g, next[action]!);
    },
    // router-01 has two serial ports, alpha and db-primary one, mail cannot list its devices, others none
    // (the backend then opens the default console).
    'consoles.devices': (hostId: string, uuid: string): ConsoleDevice[] => {
      const g = guests.get(key(hostId, uuid));
      if (!g) throw { code: 'NOT_FOUND', message: 'guest not found' };
      if (g.name === 'router-01')
        return [
          { kind: 'serial', devName: 'serial0', targetType: 'isa-serial', port: 0, label: 'Serial 0 (boot log)' },
          { kind: 'serial', devName: 'serial1', targetType: 'isa-serial', port: 1, label: 'Serial 1 (management)' },
        ];
      if (g.name === 'alpha' || g.name === 'db-primary') return [{ kind: 'serial', devName: 'serial0', targetType: 'isa-serial', port: 0, label: 'Serial 0' }];
      if (g.name === 'mail') throw { code: 'COMMAND_FAILED', message: 'xl: cannot read the console devices' };
      return [];
    },
    'consoles.open': (hostId: string, uuid: string, opts?: { device?: string }) => {
      const g = guests.get(key(hostId, uuid));
      if (!g) throw { code: 'NOT_FOUND', message: 'guest not found' };
      opened.push({ guest: g.name, ...(opts?.device !== undefined ? { device: opts.device } : {}) });
      const c = { id: `c-${nextId++}`, hostId, uuid, guestName: g.name, status: 'connecting' as const, owned: true, line: '', ...(opts?.device !== undefined ? { device: opts.device } : {}) };
      consoles.set(c.id, c);
      setTimeout(() => {
        const a = { ...c, status: 'attached' as const };
        consoles.set(c.id, a);
        const { line: _l, ...info } = a;
        emit('consoles.changed', info);
        write(a, `Connected to domain '${g.name}'${a.device ? ` (device ${a.device})` : ''}\r\nEscape character is ^] (Ctrl + ])\r\n\r\nvmdeck-guest ${g.name} booted\r\n${g.name}:~# `);
      }, 150);
      const { line: _l, ...info } = c;
      return info;
    },
    'consoles.list': () => [...consoles.values()].map(({ line: _l, ...i }) => i),
    'consoles.adopt': (id: string) => {
      const c = consoles.get(id);
      if (!c) throw { code: 'NOT_FOUND', message: 'no such console' };
      const { line: _l, ...info } = c;
      setTimeout(() => write(c, `\r\n[adopted]\r\n${c.guestName}:~# `), 100);
      return { ...info, owned: true };
    },
    // Bulk actions as a task: one guest after another through the scripted 'guests.action'.
    'guests.bulkAction': (targets: { hostId: string; uuid: string }[], action: LifecycleAction) => {
      const task: TaskInfo = {
        id: `t-${nextId++}`, kind: 'bulk-action', title: `${action} ${targets.length} guests`, state: 'running', startedAt: Date.now(),
        progress: { done: 0, total: targets.length },
        items: targets.map((t) => ({ ...t, guestName: guests.get(key(t.hostId, t.uuid))?.name ?? t.uuid, state: 'pending' as const })),
      };
      tasks.set(task.id, task);
      void (async () => {
        for (const [i, t] of targets.entries()) {
          const cur = tasks.get(task.id)!;
          if (cur.state !== 'running') break;
          cur.items[i]!.state = 'running';
          emit('tasks.changed', structuredClone(cur));
          try {
            await handlers['guests.action']!(t.hostId, t.uuid, action);
            cur.items[i]!.state = 'succeeded';
          } catch (e) {
            cur.items[i]!.state = 'failed';
            cur.items[i]!.error = e as TaskInfo['items'][number]['error'];
          }
          cur.progress.done++;
          emit('tasks.changed', structuredClone(cur));
        }
        const cur = tasks.get(task.id)!;
        if (cur.state === 'running') cur.state = cur.items.some((x) => x.state === 'failed') ? 'failed' : 'succeeded';
        cur.endedAt = Date.now();
        emit('tasks.changed', structuredClone(cur));
      })();
      return structuredClone(task);
    },
    'tasks.list': () => [...tasks.values()],
    'tasks.cancel': (id: string) => {
      const t = tasks.get(id);
      if (t && t.state === 'running') {
        t.state = 'cancelled';
        for (const it of t.items) if (it.state === 'pending') it.state = 'cancelled';
      }
    },
    'consoles.input': (id: string, data: string) => {
      const c = consoles.get(id);
      if (!c) throw { code: 'NOT_FOUND', message: 'no such console' };
      let out = '';
      for (const ch of data) {
        if (ch === '\r') {
          out += '\r\n' + shell(c, c.line) + `${c.guestName}:~# `;
          c.line = '';
        } else if (ch === '\x7f') {
          if (c.line) {
            c.line = c.line.slice(0, -1);
            out += '\b \b';
          }
        } else if (ch >= ' ') {
          c.line += ch;
          out += ch;
        }
      }
      if (out) write(c, out);
    },
    'consoles.resize': () => undefined,
    'consoles.ack': () => undefined,
    'consoles.close': (id: string) => {
      consoles.delete(id);
    },
    'consoles.setLogging': (id: string, on: boolean) => {
      const c = consoles.get(id)!;
      const n = { ...c, logPath: on ? `/home/user/.local/state/vmdeck/consoles/${c.guestName}-20261125-1942.log` : undefined };
      consoles.set(id, n);
      const { line: _l, ...info } = n;
      emit('consoles.changed', info);
      return info;
    },
    'prompts.answer': (id: string, answer: { accept: boolean }) => {
      const p = prompts.get(id);
      prompts.delete(id);
      emit('prompts.closed', { id });
      if (!p) return;
      const v = hosts.get(p.hostId);
      if (!v) return;
      const nv: HostView = answer.accept ? { ...v, state: 'ready', error: undefined, toolstack: 'libvirt', facts: { cpus: 4, memoryKiB: 8 << 20, freeMemoryKiB: 5 << 20, hypervisor: 'QEMU', cpuPercent: 3, memoryUsedPercent: 37 } } : { ...v, state: 'failed', error: { code: 'CANCELLED', message: 'host key rejected by the user' } };
      hosts.set(p.hostId, nv);
      emit('hosts.changed', nv);
    },
    'prompts.pending': () => [...prompts.values()],
    // Every scripted host passes the connection test; its prompts come with the connect after saving.
    'hosts.test': () => ({ ok: true, steps: ['resolve', 'tcp', 'host-key', 'auth', 'toolstack'].map((step) => ({ step, status: 'ok', detail: 'scripted', durationMs: 0 })), hints: [], duplicates: [] }),
    'hosts.duplicates': () => [],
    'activity.list': () => activity,
    'settings.get': () => settings,
    'settings.update': (patch: Partial<Settings>) => {
      settings = { ...settings, ...patch };
      emit('settings.changed', settings);
      return settings;
    },
  };

  // Statistics: every tick, running guests of kvm1/xen1 and a slice of the fleet change CPU.
  let tick = 0;
  const timer = setInterval(() => {
    tick++;
    for (const hostId of ['h-kvm1', 'h-xen1', 'h-fleet']) {
      const changed: Guest[] = [];
      for (const [k, g] of guests) {
        if (g.hostId !== hostId || g.state !== 'running') continue;
        if (hostId === 'h-fleet' && (Number.parseInt(g.uuid.slice(-4), 16) + tick) % 10 !== 0) continue;
        const base = (Number.parseInt(g.uuid.slice(-3), 16) * 13) % 60;
        const ng = { ...g, cpuPercent: Math.max(0, base + 25 * Math.sin((tick + base) / 3) + Math.random() * 8), uptimeSec: (g.uptimeSec ?? 0) + 1, memoryKiB: g.memoryKiB };
        guests.set(k, ng);
        changed.push(ng);
      }
      if (changed.length) emit('guests.diff', { hostId, added: [], removed: [], changed });
    }
  }, o.tickMs ?? 1000);

  // The real browser-mode server (token, Origin checks, argument validation, wire format), scripted handlers.
  const server = await startWebServer({ port: 0, staticDir, handlers: handlers as unknown as VmdeckHandlers });
  sink = server.sink as (e: string, p: unknown) => void;
  return {
    url: server.url,
    opened,
    prompt(p) {
      prompts.set(p.id, p);
      emit('prompts.request', p);
    },
    async close() {
      clearInterval(timer);
      await server.close();
    },
  };
}
