/** Shared setup for the transport lab tests: a ConnectionManager resolving hosts from the lab's ssh_config. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostConfig, Prompt, PromptAnswer } from '../../../main/core/contract';
import { AppKnownHostsStore } from '../../../main/transport/app-known-hosts-store';
import { PassphraseCache } from '../../../main/transport/passphrase-cache';
import type { PromptBroker } from '../../../main/transport/prompts';
import type { ResolvedSshConfig } from '../../../main/transport/ssh-config';
import { SshConnection, type SshConnectionOptions } from '../../../main/transport/ssh-connection';
import { ConnectionManager, type ConnectionManagerOptions } from '../../../main/transport/ssh-pool';
import { SshCommandRunner } from '../../../main/transport/ssh-runner';
import type { Lab } from '../lab';

export function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), 'vmdeck-transport-lab-'));
}

export class AnsweringPrompts implements PromptBroker {
  readonly asked: Omit<Prompt, 'id'>[] = [];
  constructor(private readonly answer: (p: Omit<Prompt, 'id'>) => PromptAnswer = () => ({ accept: false })) {}
  async ask(p: Omit<Prompt, 'id'>): Promise<PromptAnswer> {
    this.asked.push(p);
    return this.answer(p);
  }
}

export function labManager(lab: Lab, dir: string, extra: Partial<ConnectionManagerOptions> = {}): ConnectionManager {
  return new ConnectionManager({
    prompts: new AnsweringPrompts(),
    appKnownHostsPath: join(dir, 'app_known_hosts'),
    // An empty home: nothing of the machine's own ~/.ssh leaks into the tests.
    sshConfig: { homeDir: dir, localUser: 'root', localHostname: 'lab-client', env: {}, files: [{ path: lab.sshConfig }] },
    ...extra,
  });
}

export function hostConfig(name: string, extra: Partial<HostConfig> = {}): HostConfig {
  return { id: `lab-${name}`, name, transport: 'ssh', address: name, toolstack: 'auto', pollIntervalSec: 5, autoConnect: true, ...extra };
}

/** A connection made directly from a resolved configuration (to vary one setting at a time). */
export function directConnection(dir: string, target: ResolvedSshConfig, prompts: PromptBroker, extra: Partial<SshConnectionOptions> = {}) {
  const connection = new SshConnection({
    hostId: `direct-${target.alias}`,
    target,
    prompts,
    passphrases: new PassphraseCache(),
    appKnownHosts: new AppKnownHostsStore(join(dir, `app_known_hosts-${Math.random().toString(36).slice(2)}`)),
    autoReconnect: false,
    ...extra,
  });
  const runner = new SshCommandRunner(connection);
  return { connection, runner, dispose: () => (runner.dispose(), connection.dispose()) };
}

/** The sshd log from byte `offset` on. */
export function logSince(file: string, offset: number): string {
  return readFileSync(file, 'utf8').slice(offset);
}
export function logSize(file: string): number {
  return statSync(file).size;
}

/** Established TCP connections from this process to a port, as the kernel sees them. */
export function establishedFromThisProcess(port: number): number {
  return localPortsFromThisProcess(port).length;
}

/** The local ports of this process's established connections to `port` (other processes use the lab too). */
export function localPortsFromThisProcess(port: number): number[] {
  const out = execFileSync('ss', ['-tnpH', 'state', 'established', `( dport = :${port} )`], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((l) => l.includes(`pid=${process.pid},`))
    .map((l) => Number(/127\.0\.0\.1:(\d+)\s+\S+:\d+/.exec(l)?.[1]));
}

export const until = async (cond: () => boolean, ms: number, what = 'condition'): Promise<number> => {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > ms) throw new Error(`${what} not reached within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - start;
};
