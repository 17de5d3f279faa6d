// "Test connection" (hosts.test) and the same-host check (hosts.duplicates) through the contract, against
// the lab's real sshd, libvirt and xl hosts: every step's result, plain failure words, the host-key prompt
// before any credential, and a jump host that has no hypervisor.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../main/app/backend';
import type { ContractClient, EventName, EventPayload, HostDuplicate, HostTestResult, HostView, Prompt } from '../../main/core/contract';
import { dispatch } from '../../main/core/rpc';
import { describeLab } from '../lab/describe-lab';
import { loadLab, type Lab } from '../lab/lab';

/** OpenSSH's fingerprint of a public key line: SHA256 of the key blob, base64 without padding. */
const sha256Fingerprint = (publicKey: string) =>
  `SHA256:${createHash('sha256').update(Buffer.from(publicKey.trim().split(/\s+/)[1] ?? '', 'base64')).digest('base64').replace(/=+$/, '')}`;

const statuses = (r: HostTestResult) => Object.fromEntries(r.steps.map((s) => [s.step, s.status]));
const step = (r: HostTestResult, name: string) => r.steps.find((s) => s.step === name)!;

describeLab('hosts.test and hosts.duplicates against the lab', () => {
  let backend: Backend;
  let client: ContractClient;
  let lab: Lab;
  let emptyKnownHostsConfig: string;
  const prompts: Prompt[] = [];
  const call = async <T>(method: string, ...args: unknown[]): Promise<T> => {
    const out = await dispatch(client.handlers, method, args);
    if (!out.ok) throw Object.assign(new Error(`${out.error.code}: ${out.error.message}`), { code: out.error.code });
    return out.result as T;
  };
  let onPrompt: (p: Prompt) => void = () => undefined;

  beforeAll(async () => {
    lab = loadLab()!;
    const dir = mkdtempSync(join(tmpdir(), 'vmdeck-hostcheck-'));
    backend = await createBackend({ mode: 'browser', configDir: dir, version: 'test', autoConnect: false });
    client = backend.connect(<E extends EventName>(event: E, payload: EventPayload<E>) => {
      if (event === 'prompts.request') {
        prompts.push(payload as Prompt);
        onPrompt(payload as Prompt);
      }
    });
    // The lab's ssh_config with an empty known_hosts and StrictHostKeyChecking ask: every key is unknown.
    writeFileSync(join(dir, 'empty_known_hosts'), '');
    emptyKnownHostsConfig = join(dir, 'ssh_config');
    writeFileSync(
      emptyKnownHostsConfig,
      readFileSync(lab.sshConfig, 'utf8')
        .replace(/^(\s*UserKnownHostsFile\s+).*$/gim, `$1${join(dir, 'empty_known_hosts')}`)
        .replace(/^(\s*StrictHostKeyChecking\s+).*$/gim, '$1ask'),
    );
  });

  afterAll(async () => {
    await backend?.dispose();
  });

  it('a real libvirt host passes every step: resolve, TCP, host key, auth, toolstack with its guests', async () => {
    const r = await call<HostTestResult>('hosts.test', { name: 'kvm1', transport: 'ssh', address: 'kvm1', sshConfigFile: lab.sshConfig });
    expect(statuses(r)).toEqual({ resolve: 'ok', tcp: 'ok', 'host-key': 'ok', auth: 'ok', toolstack: 'ok' });
    expect(r.ok).toBe(true);
    expect(r.steps.map((s) => s.step)).toEqual(['resolve', 'tcp', 'host-key', 'auth', 'toolstack']);
    expect(step(r, 'resolve').detail).toContain('127.0.0.1');
    expect(step(r, 'tcp').detail).toContain('127.0.0.1:2201');
    expect(r.fingerprint).toBe(sha256Fingerprint(lab.hosts.kvm1!.hostKey!));
    expect(step(r, 'auth').detail).toContain('vmdeck-kvm1');
    expect(r).toMatchObject({ toolstack: 'libvirt', libvirtUri: 'qemu:///session' });
    expect(r.guests).toBeGreaterThanOrEqual(2);
    expect(step(r, 'toolstack').detail).toMatch(/libvirt qemu:\/\/\/session · \d+ guests/);
    // Nothing was saved.
    expect(await call<HostView[]>('hosts.list')).toEqual([]);
  });

  it('the Xen host reports its toolstack and guest count', async () => {
    const r = await call<HostTestResult>('hosts.test', { name: 'xen1', transport: 'ssh', address: 'xen1', sshConfigFile: lab.sshConfig });
    expect(r.ok).toBe(true);
    expect(r.toolstack).toBe('xen');
    expect(r.guests).toBeGreaterThanOrEqual(5);
  });

  it('a typo in the name fails at resolve with "no such host name"; later steps are skipped', async () => {
    const r = await call<HostTestResult>('hosts.test', { name: 'typo', transport: 'ssh', address: 'kvm1-typo.invalid' });
    expect(r.ok).toBe(false);
    expect(statuses(r)).toEqual({ resolve: 'failed', tcp: 'skipped', 'host-key': 'skipped', auth: 'skipped', toolstack: 'skipped' });
    expect(step(r, 'resolve').detail).toMatch(/^no such host name: kvm1-typo\.invalid$/);
    expect(step(r, 'resolve').error?.code).toBe('UNREACHABLE');
  });

  it('a closed port fails at TCP with "connection refused"', async () => {
    const r = await call<HostTestResult>('hosts.test', { name: 'closed', transport: 'ssh', address: '127.0.0.1', port: 1, user: 'x' });
    expect(statuses(r)).toMatchObject({ resolve: 'ok', tcp: 'failed', 'host-key': 'skipped' });
    expect(step(r, 'tcp').detail).toBe('connection refused (127.0.0.1:1)');
  });

  it('an unknown host key asks through the prompt before any credential; rejecting it fails the host-key step', async () => {
    const before = prompts.length;
    onPrompt = (p) => void call('prompts.answer', p.id, { accept: false });
    const r = await call<HostTestResult>('hosts.test', { name: 'kvm2-new', transport: 'ssh', address: 'kvm2', sshConfigFile: emptyKnownHostsConfig });
    onPrompt = () => undefined;
    const asked = prompts.slice(before);
    expect(asked.map((p) => p.kind)).toEqual(['host-key-unknown']);
    expect(asked[0]).toMatchObject({ hostId: 'kvm2-new', fingerprint: sha256Fingerprint(lab.hosts.kvm2!.hostKey!) });
    expect(statuses(r)).toMatchObject({ resolve: 'ok', tcp: 'ok', 'host-key': 'failed', auth: 'skipped', toolstack: 'skipped' });
    expect(step(r, 'host-key').detail).toMatch(/^host key not accepted/);
    // kvm2 also takes passwords: no password prompt came, because no credential is offered before the key.
    expect(asked.some((p) => p.kind === 'password' || p.kind === 'keyboard-interactive')).toBe(false);
  });

  it('accepting the key in the prompt lets the test through', async () => {
    onPrompt = (p) => void call('prompts.answer', p.id, { accept: true });
    const r = await call<HostTestResult>('hosts.test', { name: 'fleet-new', transport: 'ssh', address: 'fleet', sshConfigFile: emptyKnownHostsConfig });
    onPrompt = () => undefined;
    expect(r.ok).toBe(true);
    expect(r.guests).toBeGreaterThanOrEqual(1000);
  });

  it('a wrong user fails at auth, after the host key', async () => {
    const r = await call<HostTestResult>('hosts.test', { name: 'wrong-user', transport: 'ssh', address: 'kvm1', user: 'nobody-here', sshConfigFile: lab.sshConfig });
    expect(statuses(r)).toMatchObject({ resolve: 'ok', tcp: 'ok', 'host-key': 'ok', auth: 'failed', toolstack: 'skipped' });
    expect(step(r, 'auth').detail).toMatch(/^authentication failed/);
    expect(step(r, 'auth').error?.code).toBe('AUTH_FAILED');
  });

  it('a bastion without a hypervisor is called what it is: a jump host', async () => {
    const r = await call<HostTestResult>('hosts.test', { name: 'jump', transport: 'ssh', address: 'jump', sshConfigFile: lab.sshConfig });
    expect(statuses(r)).toMatchObject({ resolve: 'ok', tcp: 'ok', 'host-key': 'ok', auth: 'ok' });
    if (r.ok) expect(r.guests).toBe(0);
    expect(r.hints.join('\n')).toMatch(/jump host/i);
  });

  it('a host behind a jump host: resolve and TCP are about the first hop', async () => {
    const r = await call<HostTestResult>('hosts.test', { name: 'inner', transport: 'ssh', address: 'inner', sshConfigFile: lab.sshConfig });
    expect(r.ok).toBe(true);
    expect(step(r, 'resolve').detail).toContain('jump host');
    expect(step(r, 'tcp').detail).toContain('10.77.1.2:22');
  });

  it('the same address, port and user as a configured host is a duplicate; another user or the host itself is not', async () => {
    onPrompt = (p) => void call('prompts.answer', p.id, { accept: true });
    const kvm1 = await call<HostView>('hosts.add', { name: 'kvm1', transport: 'ssh', address: 'kvm1', sshConfigFile: lab.sshConfig, autoConnect: false });
    try {
      const same = { name: 'kvm1-again', transport: 'ssh', address: '127.0.0.1', port: 2201, user: 'vmdeck-kvm1', identityFile: lab.hosts.kvm1!.identityFile };
      const dups = await call<HostDuplicate[]>('hosts.duplicates', same);
      expect(dups).toEqual([expect.objectContaining({ hostId: kvm1.config.id, name: 'kvm1', reason: 'address' })]);
      expect(dups[0]!.detail).toContain('127.0.0.1:2201');
      expect(await call<HostDuplicate[]>('hosts.duplicates', { ...same, user: 'someone-else' })).toEqual([]);
      expect(await call<HostDuplicate[]>('hosts.duplicates', same, kvm1.config.id)).toEqual([]);
      expect(await call<HostDuplicate[]>('hosts.duplicates', { ...same, port: 2202, user: 'vmdeck-kvm2' })).toEqual([]);
      // The test reports it as well.
      const r = await call<HostTestResult>('hosts.test', same);
      expect(r.duplicates.map((d) => d.name)).toEqual(['kvm1']);
      // Another name for the same sshd (a different address): the key it presents is kvm1's, so it is a duplicate too.
      const byKey = await call<HostTestResult>('hosts.test', { ...same, address: 'localhost', name: 'kvm1-by-name', sshConfigFile: emptyKnownHostsConfig });
      expect(byKey.ok).toBe(true);
      expect(byKey.duplicates.map((d) => [d.name, d.reason])).toEqual([['kvm1', 'host-key']]);
    } finally {
      onPrompt = () => undefined;
      await call('hosts.remove', kvm1.config.id);
    }
  });
});
