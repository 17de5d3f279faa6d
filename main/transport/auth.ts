/**
 * Client authentication through ssh2's `authHandler` function form, in OpenSSH's order
 * (PreferredAuthentications, default publickey, keyboard-interactive, password):
 *   none        - first, to learn which methods the server allows (OpenSSH does the same)
 *   publickey   - the agent's keys (SSH_AUTH_SOCK or IdentityAgent; filtered to the IdentityFiles when
 *                 IdentitiesOnly is set), then each IdentityFile that exists (defaults id_ed25519, id_ecdsa,
 *                 id_rsa). Encrypted keys ask for the passphrase (up to 3 tries; kept in memory only).
 *   keyboard-interactive - every prompt of every round is relayed through the PromptBroker
 *   password    - a remembered secret first (if a SecretStore holds one), then up to 3 prompts
 * When everything is exhausted, ssh2 reports failure and the connection raises AUTH_FAILED carrying
 * `methodsTried()`.
 *
 * Difference from OpenSSH: an encrypted key's passphrase is asked before the server has said it would
 * accept that key (ssh2 needs the decrypted key to start the publickey exchange).
 */
import { readFileSync } from 'node:fs';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, AuthHandlerMiddleware, AuthenticationType, BaseAgent, ParsedKey, Prompt as Ssh2Prompt } from 'ssh2';
import { VmdeckError } from '../core/errors';
import type { PassphraseCache } from './passphrase-cache';
import type { PromptBroker } from './prompts';
import { passwordSecretKey, type SecretStore } from './secrets';

const MAX_TRIES = 3;

export interface AuthSettings {
  user: string;
  identityFiles: readonly string[];
  identitiesOnly: boolean;
  identityAgent: string | null;
  passwordAuthentication: boolean;
  kbdInteractiveAuthentication: boolean;
  pubkeyAuthentication: boolean;
  preferredAuthentications: readonly string[];
}

export interface AuthDependencies {
  hostId: string;
  /** Shown in prompts and used as the remembered-password key. */
  host: string;
  port: number;
  prompts: PromptBroker;
  passphrases: PassphraseCache;
  secrets?: SecretStore;
  signal?: AbortSignal;
  /** Called around prompts, so the connection can suspend its handshake timeout while a human answers. */
  onPromptStart?: () => void;
  onPromptEnd?: () => void;
  readFile?: (path: string) => Buffer | undefined;
}

type Step = () => Promise<AnyAuthMethod | null>;

function defaultReadFile(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/** An agent that offers only the given public keys (IdentitiesOnly with an agent). */
class FilteredAgent extends ssh2.OpenSSHAgent {
  constructor(
    socketPath: string,
    private readonly allowed: readonly Buffer[],
  ) {
    super(socketPath);
  }
  override getIdentities(cb: (err: Error | undefined, keys?: ParsedKey[]) => void): void {
    super.getIdentities((err, keys) => {
      if (err || !keys) return cb(err ?? undefined, []);
      const parsed = keys.filter((k): k is ParsedKey => typeof (k as ParsedKey).getPublicSSH === 'function');
      cb(undefined, parsed.filter((k) => this.allowed.some((a) => a.equals(k.getPublicSSH()))));
    });
  }
}

export class AuthSequence {
  private readonly tried: string[] = [];
  private serverMethods: string[] = [];
  private steps: Step[] | undefined;
  private pendingRemember: string | undefined;
  private readonly readFile: (path: string) => Buffer | undefined;
  private cancelled = false;
  private passwordDeclined = false;
  private kbdDeclined = false;

  constructor(
    private readonly settings: AuthSettings,
    private readonly deps: AuthDependencies,
  ) {
    this.readFile = deps.readFile ?? defaultReadFile;
  }

  /** The methods attempted so far, e.g. ["none", "agent", "publickey:/home/u/.ssh/id_ed25519", "password"]. */
  methodsTried(): string[] {
    return [...this.tried];
  }

  /** What the server last said it would accept. */
  methodsAllowed(): string[] {
    return [...this.serverMethods];
  }

  /** ssh2's authHandler. */
  readonly handler: AuthHandlerMiddleware = (methodsLeft, _partial, next) => {
    if (methodsLeft === null || methodsLeft === undefined) {
      this.tried.push('none');
      next({ type: 'none', username: this.settings.user });
      return;
    }
    this.serverMethods = [...methodsLeft];
    this.steps ??= this.buildSteps();
    void this.nextMethod(methodsLeft).then(
      (m) => next(m ?? (false as unknown as AuthenticationType)),
      () => next(false as unknown as AuthenticationType),
    );
  };

  /** After a successful login: remember the password if the user asked to. */
  async onSuccess(): Promise<void> {
    if (this.pendingRemember !== undefined && this.deps.secrets) {
      await this.deps.secrets.set(passwordSecretKey(this.settings.user, this.deps.host, this.deps.port), this.pendingRemember);
    }
    this.pendingRemember = undefined;
  }

  /** The typed failure after ssh2 gave up. */
  failure(): VmdeckError {
    return new VmdeckError('AUTH_FAILED', `Authentication to ${this.deps.host} failed (tried: ${this.tried.join(', ') || 'nothing'}).`, {
      host: `${this.deps.host}:${this.deps.port}`,
      methodsTried: this.methodsTried(),
      methodsAllowed: this.methodsAllowed(),
      notes: this.cancelled ? ['a prompt was declined'] : [],
    });
  }

  private async nextMethod(methodsLeft: readonly string[]): Promise<AnyAuthMethod | null> {
    while (this.steps!.length > 0) {
      if (this.deps.signal?.aborted) return null;
      const step = this.steps!.shift()!;
      const method = await step();
      if (method === null) continue;
      const serverName = method.type === 'agent' ? 'publickey' : method.type;
      if (!methodsLeft.includes(serverName)) {
        continue;
      }
      return method;
    }
    return null;
  }

  private buildSteps(): Step[] {
    const s = this.settings;
    const steps: Step[] = [];
    for (const name of s.preferredAuthentications) {
      if (name === 'publickey' && s.pubkeyAuthentication) steps.push(...this.publicKeySteps());
      else if (name === 'keyboard-interactive' && s.kbdInteractiveAuthentication) {
        for (let i = 0; i < MAX_TRIES; i++) steps.push(() => this.keyboardInteractiveStep());
      } else if (name === 'password' && s.passwordAuthentication) {
        steps.push(() => this.rememberedPasswordStep());
        for (let i = 0; i < MAX_TRIES; i++) steps.push(() => this.passwordPromptStep(i));
      }
    }
    return steps;
  }

  private allows(method: string): boolean {
    return this.serverMethods.includes(method);
  }

  private publicKeySteps(): Step[] {
    const s = this.settings;
    const steps: Step[] = [];
    if (s.identityAgent !== null) {
      const socket = s.identityAgent;
      steps.push(async () => {
        if (!this.allows('publickey')) return null;
        this.tried.push('agent');
        let agent: BaseAgent | string = socket;
        if (s.identitiesOnly) agent = new FilteredAgent(socket, this.identityPublicKeys());
        return { type: 'agent', username: s.user, agent };
      });
    }
    for (const path of s.identityFiles) steps.push(() => this.identityFileStep(path));
    return steps;
  }

  /** Public halves of the IdentityFiles (from `.pub` files or unencrypted private keys). */
  private identityPublicKeys(): Buffer[] {
    const out: Buffer[] = [];
    for (const path of this.settings.identityFiles) {
      const pub = this.readFile(`${path}.pub`) ?? this.readFile(path);
      if (!pub) continue;
      const parsed = ssh2.utils.parseKey(pub);
      const key = Array.isArray(parsed) ? parsed[0] : parsed;
      if (key && !(key instanceof Error)) out.push(key.getPublicSSH());
    }
    return out;
  }

  private async identityFileStep(path: string): Promise<AnyAuthMethod | null> {
    if (!this.allows('publickey')) return null;
    const data = this.readFile(path);
    if (!data) return null;
    const key = await this.loadKey(path, data);
    if (!key) return null;
    this.tried.push(`publickey:${path}`);
    return { type: 'publickey', username: this.settings.user, key };
  }

  private async loadKey(path: string, data: Buffer): Promise<ParsedKey | null> {
    const cached = this.deps.passphrases.get(path);
    const first = parse(data, cached);
    if (!(first instanceof Error)) return first;
    if (!isEncryptedKeyError(first)) {
      if (cached !== undefined) this.deps.passphrases.delete(path);
      else return null; // not a key we can use
    }
    for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
      const answer = await this.ask({
        hostId: this.deps.hostId,
        kind: 'passphrase',
        title: 'Key passphrase',
        message: attempt === 0 ? `Enter the passphrase for key ${path}` : `Wrong passphrase. Enter the passphrase for key ${path} (try ${attempt + 1} of ${MAX_TRIES})`,
        fields: [{ label: `Passphrase for ${path}`, secret: true }],
        canRemember: false,
      });
      if (!answer) return null;
      const passphrase = answer[0] ?? '';
      const key = parse(data, passphrase);
      if (!(key instanceof Error)) {
        this.deps.passphrases.set(path, passphrase);
        return key;
      }
    }
    return null;
  }

  private async rememberedPasswordStep(): Promise<AnyAuthMethod | null> {
    if (!this.allows('password') || !this.deps.secrets) return null;
    const password = await this.deps.secrets.get(passwordSecretKey(this.settings.user, this.deps.host, this.deps.port));
    if (password === undefined) return null;
    this.tried.push('password (remembered)');
    return { type: 'password', username: this.settings.user, password };
  }

  private async passwordPromptStep(attempt: number): Promise<AnyAuthMethod | null> {
    if (!this.allows('password') || this.passwordDeclined) return null;
    const canRemember = this.deps.secrets !== undefined;
    const answer = await this.askFull({
      hostId: this.deps.hostId,
      kind: 'password',
      title: `Password for ${this.settings.user}@${this.deps.host}`,
      message: attempt === 0 ? `${this.settings.user}@${this.deps.host}'s password:` : `Permission denied, please try again. ${this.settings.user}@${this.deps.host}'s password:`,
      fields: [{ label: 'Password', secret: true }],
      canRemember,
    });
    if (!answer) {
      // Declined: no further password prompts.
      this.passwordDeclined = true;
      return null;
    }
    const password = answer.values?.[0] ?? '';
    this.pendingRemember = answer.remember === true && canRemember ? password : undefined;
    this.tried.push('password');
    return { type: 'password', username: this.settings.user, password };
  }

  private async keyboardInteractiveStep(): Promise<AnyAuthMethod | null> {
    if (!this.allows('keyboard-interactive') || this.kbdDeclined) return null;
    this.tried.push('keyboard-interactive');
    return {
      type: 'keyboard-interactive',
      username: this.settings.user,
      prompt: (name: string, instructions: string, _lang: string, prompts: Ssh2Prompt[], finish: (answers: string[]) => void) => {
        void this.ask({
          hostId: this.deps.hostId,
          kind: 'keyboard-interactive',
          title: name || `Login to ${this.deps.host}`,
          message: instructions || `${this.settings.user}@${this.deps.host}`,
          fields: prompts.map((p) => ({ label: p.prompt, secret: !p.echo })),
          canRemember: false,
        }).then(
          (values) => {
            if (values === null) this.kbdDeclined = true;
            finish(values ?? prompts.map(() => ''));
          },
          () => finish(prompts.map(() => '')),
        );
      },
    };
  }

  /** Asks and returns the values, or null when declined/cancelled. */
  private async ask(prompt: Parameters<PromptBroker['ask']>[0]): Promise<string[] | null> {
    const answer = await this.askFull(prompt);
    return answer ? (answer.values ?? []) : null;
  }

  private async askFull(prompt: Parameters<PromptBroker['ask']>[0]) {
    this.deps.onPromptStart?.();
    try {
      const answer = await this.deps.prompts.ask(prompt, this.deps.signal);
      if (!answer.accept) {
        this.cancelled = true;
        return null;
      }
      return answer;
    } catch {
      this.cancelled = true;
      return null;
    } finally {
      this.deps.onPromptEnd?.();
    }
  }
}

function parse(data: Buffer, passphrase: string | undefined): ParsedKey | Error {
  const parsed = ssh2.utils.parseKey(data, passphrase);
  if (parsed instanceof Error) return parsed;
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  return key ?? new Error('no key in file');
}

function isEncryptedKeyError(e: Error): boolean {
  return /passphrase|encrypted|decrypt/i.test(e.message);
}
