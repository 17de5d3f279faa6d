/** Client keys, known_hosts files, configurations and a scripted prompt broker for connection tests. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import type { AuthContext } from 'ssh2';
import type { Prompt, PromptAnswer } from '../../../../main/core/contract';
import type { PromptBroker, PromptRequest } from '../../../../main/transport/prompts';
import type { ResolvedSshConfig } from '../../../../main/transport/ssh-config';

export interface ClientKey {
  path: string;
  blob: Buffer;
  publicLine: string;
}

export function makeTempDir(prefix = 'vmdeck-ssh-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function makeClientKey(dir: string, name: string, passphrase = ''): ClientKey {
  const path = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', name, '-f', path]);
  const publicLine = readFileSync(`${path}.pub`, 'utf8').trim();
  return { path, blob: Buffer.from(publicLine.split(' ')[1]!, 'base64'), publicLine };
}

/** Server-side publickey check: answers queries with PK_OK and verifies signatures. */
export function publicKeyAccepted(ctx: AuthContext, authorized: readonly ClientKey[]): boolean {
  if (ctx.method !== 'publickey') return false;
  const key = authorized.find((k) => k.blob.equals(ctx.key.data));
  if (!key) return false;
  if (ctx.signature === undefined) return true;
  const parsed = ssh2.utils.parseKey(key.publicLine);
  if (parsed instanceof Error) return false;
  const pk = Array.isArray(parsed) ? parsed[0]! : parsed;
  return pk.verify(ctx.blob!, ctx.signature, ctx.hashAlgo);
}

export function writeKnownHosts(dir: string, name: string, lines: string[]): string {
  const p = join(dir, name);
  writeFileSync(p, lines.map((l) => `${l}\n`).join(''));
  return p;
}

export function knownHostsLine(port: number, blob: Buffer): string {
  const type = blob.subarray(4, 4 + blob.readUInt32BE(0)).toString();
  return `[127.0.0.1]:${port} ${type} ${blob.toString('base64')}`;
}

export function targetConfig(port: number, overrides: Partial<ResolvedSshConfig> = {}): ResolvedSshConfig {
  return {
    alias: 'test',
    hostName: '127.0.0.1',
    user: 'tester',
    port,
    identityFiles: [],
    identityFilesConfigured: true,
    identitiesOnly: false,
    identityAgent: null,
    userKnownHostsFiles: [],
    globalKnownHostsFiles: [],
    strictHostKeyChecking: 'yes',
    proxyJump: [],
    passwordAuthentication: true,
    kbdInteractiveAuthentication: true,
    pubkeyAuthentication: true,
    preferredAuthentications: ['publickey', 'keyboard-interactive', 'password'],
    warnings: [],
    ...overrides,
  };
}

/** A broker answering from a script; records every prompt it was asked. */
export class ScriptedPrompts implements PromptBroker {
  readonly asked: PromptRequest[] = [];
  constructor(private readonly answer: (p: PromptRequest, index: number) => PromptAnswer = () => ({ accept: false })) {}
  async ask(prompt: Omit<Prompt, 'id'>): Promise<PromptAnswer> {
    this.asked.push(prompt);
    return this.answer(prompt, this.asked.length - 1);
  }
  kinds(): string[] {
    return this.asked.map((p) => p.kind);
  }
}
