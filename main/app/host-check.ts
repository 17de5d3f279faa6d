/**
 * "Test connection" for a host configuration that is not saved yet, and the check for a second entry of the
 * same host. The test walks the steps a connection takes and stops at the first that fails, saying why in
 * plain words:
 *
 *   resolve    the name (ssh_config applied) resolves to addresses      "no such host name"
 *   tcp        something accepts a TCP connection on the port            "connection refused", "no answer"
 *   host-key   the host key is known, or the user accepts it in the usual prompt (before any credential)
 *   auth       the credentials are accepted                              "authentication failed: ..."
 *   toolstack  the toolstack probe finds xl or virsh, and the guests are listed once
 *
 * With a jump host, resolve and tcp are about the first hop (the target's name is resolved by the jump host).
 * The SSH steps use the real transport: the same ssh_config resolution, known_hosts files, prompts and auth
 * chain as a saved host's connection, on a connection of its own that is closed when the test ends.
 */
import { lookup } from 'node:dns/promises';
import { connect as tcpConnect } from 'node:net';
import type { HostConfig, HostDuplicate, HostInput, HostTestResult, HostTestStep, HostTestStepName } from '../core/contract';
import { HOST_TEST_STEPS, HostInputSchema } from '../core/contract';
import { VmdeckError, toErrorData } from '../core/errors';
import type { CommandRunner } from '../core/runner';
import type { HostSessionDeps } from '../services/host-session';
import type { HostRegistry } from '../services/host-registry';
import type { PromptService } from '../services/prompt-service';
import { LocalHostLink } from '../transport/local-host-link';
import { knownHostName, readKnownHostsFile, entryMatchesHost, sha256Fingerprint } from '../transport/known-hosts';
import type { ConnectionManager } from '../transport/ssh-pool';
import type { ResolvedSshConfig } from '../transport/ssh-config';

export interface HostCheckDeps {
  /** A connection manager of the checker's own (same ssh_config, known_hosts and prompts as the hosts'). */
  manager: ConnectionManager;
  registry: HostRegistry;
  prompts: PromptService;
  session: Pick<HostSessionDeps, 'detect' | 'createDriver'>;
  /** vmdeck's own known_hosts file (keys accepted in the app). */
  appKnownHostsPath: string;
  /** TCP check timeout (default 10 s). */
  tcpTimeoutMs?: number;
}

const PLAIN_NET: Readonly<Record<string, string>> = {
  ENOTFOUND: 'no such host name',
  EAI_NONAME: 'no such host name',
  EAI_AGAIN: 'the name could not be looked up (no answer from DNS)',
  ECONNREFUSED: 'connection refused',
  ETIMEDOUT: 'no answer (timed out)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset',
};

class StepFailure extends Error {
  constructor(
    readonly detail: string,
    readonly error: VmdeckError,
  ) {
    super(detail);
  }
}

export class HostChecker {
  constructor(private readonly deps: HostCheckDeps) {}

  async test(input: HostInput, excludeId?: string): Promise<HostTestResult> {
    const parsed = HostInputSchema.parse(input);
    // Prompts of the test are keyed by the name the user typed, so the dialog reads "Unknown host key — <name>".
    const config: HostConfig = { ...parsed, id: parsed.name };
    const steps: HostTestStep[] = [];
    const result: HostTestResult = { ok: false, steps, hints: [], duplicates: [] };
    const run = async <T>(step: HostTestStepName, body: () => Promise<{ value: T; detail: string }>): Promise<T> => {
      const started = Date.now();
      try {
        const { value, detail } = await body();
        steps.push({ step, status: 'ok', detail, durationMs: Date.now() - started });
        return value;
      } catch (e) {
        const f = e instanceof StepFailure ? e : new StepFailure(toErrorData(e).message, e instanceof VmdeckError ? e : new VmdeckError('INTERNAL', String(e)));
        steps.push({ step, status: 'failed', detail: f.detail, error: f.error.toData(), durationMs: Date.now() - started });
        throw f;
      }
    };
    const skipRest = (reason: string) => {
      for (const step of HOST_TEST_STEPS) if (!steps.some((s) => s.step === step)) steps.push({ step, status: 'skipped', detail: reason, durationMs: 0 });
    };

    if (config.transport === 'local') {
      for (const step of ['resolve', 'tcp', 'host-key', 'auth'] as const) steps.push({ step, status: 'skipped', detail: 'this machine: no connection needed', durationMs: 0 });
      const link = new LocalHostLink();
      try {
        await this.probe(run, link.runner, config, result);
        result.ok = true;
      } catch {
        /* the step says why */
      } finally {
        link.dispose();
      }
      result.duplicates = this.duplicates(input, excludeId);
      return result;
    }

    let target: ResolvedSshConfig | undefined;
    const id = config.id;
    try {
      const resolved = await run('resolve', async () => {
        let r: { target: ResolvedSshConfig; jumpHosts: ResolvedSshConfig[] };
        try {
          r = this.deps.manager.resolve(config);
        } catch (e) {
          throw new StepFailure(`the ssh_config could not be read: ${toErrorData(e).message}`, e instanceof VmdeckError ? e : new VmdeckError('CONFIG_ERROR', String(e)));
        }
        const first = r.jumpHosts[0] ?? r.target;
        const addresses = await resolveName(first.hostName);
        const via = r.jumpHosts.length > 0 ? ` (jump host ${first.alias}; ${r.target.hostName} is resolved by the jump host)` : '';
        return { value: r, detail: `${first.hostName} → ${addresses.join(', ')}${via}` };
      });
      target = resolved.target;
      const first = resolved.jumpHosts[0] ?? resolved.target;
      await run('tcp', async () => {
        await tcpProbe(first.hostName, first.port, this.deps.tcpTimeoutMs ?? first.connectTimeoutMs ?? 10_000);
        return { value: undefined, detail: `${first.hostName}:${first.port} accepts connections` };
      });
      await this.ssh(run, id, config, result);
      result.ok = true;
    } catch {
      skipRest('an earlier step failed');
    } finally {
      this.deps.prompts.cancelForHost(config.id);
      this.deps.manager.remove(id);
    }
    result.duplicates = this.duplicates(input, excludeId, target && result.fingerprint ? { host: target, fingerprint: result.fingerprint } : undefined);
    return result;
  }

  /** host-key, auth and toolstack over one real connection. */
  private async ssh(run: Runner, id: string, config: HostConfig, result: HostTestResult): Promise<void> {
    // The checker's manager is its own: this id never meets a saved host's connection.
    const link = this.deps.manager.add({ ...config, id });
    const visited = new Set<string>();
    const sub = link.onStateChange((c) => visited.add(c.state));
    let failure: VmdeckError | undefined;
    const started = Date.now();
    try {
      await link.connect();
    } catch (e) {
      failure = e instanceof VmdeckError ? e : new VmdeckError('INTERNAL', String(e));
    } finally {
      sub.dispose();
    }
    const elapsed = Date.now() - started;
    const keyFailed = failure !== undefined && (failure.code.startsWith('HOST_KEY_') || !visited.has('authenticating'));
    await run('host-key', async () => {
      if (failure && keyFailed) throw new StepFailure(hostKeyWords(failure), failure);
      const fp = link.connection.hostKeyFingerprint;
      if (fp) result.fingerprint = fp;
      return { value: undefined, detail: fp ? `${fp} (known or accepted)` : 'known' };
    });
    await run('auth', async () => {
      if (failure) throw new StepFailure(failure.code === 'AUTH_FAILED' ? `authentication failed: ${failure.message}` : failure.message, failure);
      return { value: undefined, detail: `logged in as ${link.connection.user} (${elapsed} ms)` };
    });
    await this.probe(run, link.runner, config, result);
  }

  private async probe(run: Runner, runner: CommandRunner, config: HostConfig, result: HostTestResult): Promise<void> {
    await run('toolstack', async () => {
      let detection;
      try {
        detection = await this.deps.session.detect(runner, config);
      } catch (e) {
        const err = e instanceof VmdeckError ? e : new VmdeckError('INTERNAL', String(e));
        if (err.code === 'UNSUPPORTED') {
          result.hints.push('No hypervisor toolstack here. If this is a jump host (bastion), use it as the "Jump host" of the hosts behind it instead of adding it.');
          throw new StepFailure(`no toolstack: ${err.message}`, err);
        }
        throw new StepFailure(`the toolstack probe failed: ${err.message}`, err);
      }
      const driver = this.deps.session.createDriver(runner, detection);
      try {
        const { guests } = await driver.refresh();
        result.toolstack = detection.toolstack;
        if (detection.libvirtUri) result.libvirtUri = detection.libvirtUri;
        result.guests = guests.length;
        result.hints.push(...detection.warnings);
        if (guests.length === 0) {
          result.hints.push('The toolstack lists no guests. A jump host (bastion) has none: use it as the "Jump host" of the hosts behind it.');
        }
        const what = detection.toolstack === 'xen' ? 'Xen (xl)' : `libvirt ${detection.libvirtUri ?? ''}`.trim();
        return { value: undefined, detail: `${what} · ${guests.length} ${guests.length === 1 ? 'guest' : 'guests'}` };
      } finally {
        driver.dispose();
      }
    });
  }

  /**
   * Configured hosts (other than `excludeId`) that reach the same machine as the same user: the same address
   * and port after ssh_config, or a host key recorded (or just presented) for both.
   */
  duplicates(input: HostInput, excludeId?: string, presented?: { host: ResolvedSshConfig; fingerprint: string }): HostDuplicate[] {
    const parsed = HostInputSchema.parse(input);
    const others = this.deps.registry.list().filter((h) => h.config.id !== excludeId);
    if (parsed.transport === 'local') {
      return others
        .filter((h) => h.config.transport === 'local')
        .map((h) => ({ hostId: h.config.id, name: h.config.name, reason: 'address' as const, detail: `${h.config.name} is this machine too` }));
    }
    const mine = this.tryResolve(parsed);
    if (!mine) return [];
    const myKeys = new Set(this.knownFingerprints(mine));
    if (presented) myKeys.add(presented.fingerprint);
    const out: HostDuplicate[] = [];
    for (const h of others) {
      if (h.config.transport !== 'ssh') continue;
      const theirs = this.tryResolve(h.config);
      if (!theirs || theirs.user !== mine.user) continue;
      const where = `${theirs.hostName}:${theirs.port}`;
      if (theirs.hostName.toLowerCase() === mine.hostName.toLowerCase() && theirs.port === mine.port && sameJump(theirs, mine)) {
        out.push({ hostId: h.config.id, name: h.config.name, reason: 'address', detail: `${h.config.name} already connects to ${where} as ${theirs.user}` });
        continue;
      }
      const shared = this.knownFingerprints(theirs).find((fp) => myKeys.has(fp));
      if (shared) out.push({ hostId: h.config.id, name: h.config.name, reason: 'host-key', detail: `${h.config.name} (${where}, ${theirs.user}) has the same host key ${shared}` });
    }
    return out;
  }

  private tryResolve(config: Pick<HostConfig, 'name' | 'address' | 'user' | 'port' | 'identityFile' | 'sshConfigFile' | 'proxyJump'>): ResolvedSshConfig | undefined {
    try {
      return this.deps.manager.resolve(config).target;
    } catch {
      return undefined;
    }
  }

  /** Fingerprints recorded for the host's name and port in its known_hosts files and vmdeck's own. */
  private knownFingerprints(r: ResolvedSshConfig): string[] {
    const name = knownHostName(r.hostName, r.port);
    const files = [...r.userKnownHostsFiles, ...r.globalKnownHostsFiles, this.deps.appKnownHostsPath];
    const out = new Set<string>();
    for (const f of files) {
      for (const e of readKnownHostsFile(f).entries) if (e.marker === undefined && entryMatchesHost(e, name)) out.add(sha256Fingerprint(e.key));
    }
    return [...out];
  }
}

type Runner = <T>(step: HostTestStepName, body: () => Promise<{ value: T; detail: string }>) => Promise<T>;

function sameJump(a: ResolvedSshConfig, b: ResolvedSshConfig): boolean {
  const j = (r: ResolvedSshConfig) => r.proxyJump.map((h) => `${h.user ?? ''}@${h.host}:${h.port ?? ''}`).join(',');
  return j(a) === j(b);
}

function hostKeyWords(e: VmdeckError): string {
  switch (e.code) {
    case 'HOST_KEY_UNKNOWN':
      return `host key not accepted: ${e.message}`;
    case 'HOST_KEY_MISMATCH':
      return `the host key changed: it does not match the known key (${e.message})`;
    case 'HOST_KEY_REVOKED':
      return `the host key is revoked: ${e.message}`;
    default:
      return `SSH handshake failed: ${e.message}`;
  }
}

async function resolveName(name: string): Promise<string[]> {
  try {
    const all = await lookup(name, { all: true });
    return [...new Set(all.map((a) => a.address))];
  } catch (e) {
    const code = (e as { code?: string }).code ?? '';
    const words = PLAIN_NET[code] ?? `the name could not be resolved (${code || String(e)})`;
    throw new StepFailure(`${words}: ${name}`, new VmdeckError('UNREACHABLE', `${words}: ${name}`, { host: name, notes: code ? [code] : [] }));
  }
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = tcpConnect({ host, port });
    const where = `${host}:${port}`;
    const fail = (code: string, raw: string) => {
      sock.destroy();
      const words = PLAIN_NET[code] ?? raw;
      reject(new StepFailure(`${words} (${where})`, new VmdeckError(code === 'ETIMEDOUT' ? 'TIMEOUT' : 'UNREACHABLE', `${words} (${where})`, { host: where, notes: code ? [code] : [] })));
    };
    sock.setTimeout(timeoutMs, () => fail('ETIMEDOUT', 'no answer'));
    sock.once('connect', () => {
      sock.destroy();
      resolve();
    });
    sock.once('error', (e: Error & { code?: string }) => fail(e.code ?? '', e.message));
  });
}
