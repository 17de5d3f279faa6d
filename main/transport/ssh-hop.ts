/**
 * One SSH hop: a single ssh2 Client connected (directly, or over a stream forwarded by the previous hop),
 * host key verified before any credential is sent, then authenticated. Failures are typed VmdeckErrors,
 * never ssh2's generic ones.
 */
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { Client, ConnectConfig } from 'ssh2';
import { VmdeckError } from '../core/errors';
import type { AppKnownHostsStore } from './app-known-hosts-store';
import { AuthSequence } from './auth';
import type { Clock } from '../core/clock';
import { HostKeyVerifier } from './host-key-verifier';
import type { PassphraseCache } from './passphrase-cache';
import type { PromptBroker } from './prompts';
import type { SecretStore } from './secrets';
import type { ResolvedSshConfig } from './ssh-config';

export type HopPhase = 'connecting' | 'verifying' | 'authenticating';

export interface HopOptions {
  hostId: string;
  config: ResolvedSshConfig;
  /** A stream forwarded by the previous hop; absent for a direct TCP connection. */
  sock?: Duplex;
  prompts: PromptBroker;
  secrets?: SecretStore;
  passphrases: PassphraseCache;
  appKnownHosts: AppKnownHostsStore;
  clock: Clock;
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  allowReplaceHostKey?: boolean;
  signal?: AbortSignal;
  onPhase?: (phase: HopPhase) => void;
  /** ssh2 debug lines, for diagnostics. */
  debug?: (line: string) => void;
}

export interface ConnectedHop {
  client: Client;
  fingerprint: string | undefined;
  methodsTried: string[];
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE']);

/** Connects one hop; on failure the client is destroyed before the promise rejects. */
export function connectHop(o: HopOptions): Promise<ConnectedHop> {
  const cfg = o.config;
  const where = `${cfg.hostName}:${cfg.port}`;
  const client = new ssh2.Client();
  const verifier = new HostKeyVerifier({
    hostId: o.hostId,
    host: cfg.hostName,
    port: cfg.port,
    policy: cfg.strictHostKeyChecking,
    userKnownHostsFiles: cfg.userKnownHostsFiles,
    globalKnownHostsFiles: cfg.globalKnownHostsFiles,
    appStore: o.appKnownHosts,
    prompts: o.prompts,
    ...(o.allowReplaceHostKey ? { allowReplace: true } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });

  return new Promise<ConnectedHop>((resolve, reject) => {
    let settled = false;
    let timer = o.clock.setTimeout(() => fail(new VmdeckError('TIMEOUT', `Connecting to ${where} timed out after ${o.connectTimeoutMs} ms.`, { host: where })), o.connectTimeoutMs);
    let promptsOpen = 0;
    const pauseTimer = () => {
      if (promptsOpen++ === 0) timer.cancel();
    };
    const resumeTimer = () => {
      if (--promptsOpen === 0 && !settled) {
        timer = o.clock.setTimeout(() => fail(new VmdeckError('TIMEOUT', `Connecting to ${where} timed out after ${o.connectTimeoutMs} ms.`, { host: where })), o.connectTimeoutMs);
      }
    };

    const auth = new AuthSequence(
      {
        user: cfg.user,
        identityFiles: cfg.identityFiles,
        identitiesOnly: cfg.identitiesOnly,
        identityAgent: cfg.identityAgent,
        passwordAuthentication: cfg.passwordAuthentication,
        kbdInteractiveAuthentication: cfg.kbdInteractiveAuthentication,
        pubkeyAuthentication: cfg.pubkeyAuthentication,
        preferredAuthentications: cfg.preferredAuthentications,
      },
      {
        hostId: o.hostId,
        host: cfg.hostName,
        port: cfg.port,
        prompts: o.prompts,
        passphrases: o.passphrases,
        ...(o.secrets ? { secrets: o.secrets } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
        onPromptStart: pauseTimer,
        onPromptEnd: resumeTimer,
      },
    );

    const onAbort = () => fail(new VmdeckError('CANCELLED', `Connecting to ${where} was cancelled.`, { host: where }));
    o.signal?.addEventListener('abort', onAbort, { once: true });

    function cleanup(): void {
      settled = true;
      timer.cancel();
      o.signal?.removeEventListener('abort', onAbort);
      client.removeListener('ready', onReady);
      client.removeListener('error', onError);
      client.removeListener('close', onClose);
    }
    function fail(e: VmdeckError): void {
      if (settled) return;
      cleanup();
      // Keep a listener so a late ssh2 error cannot crash the process.
      client.on('error', () => undefined);
      client.destroy();
      reject(e);
    }
    function onReady(): void {
      if (settled) return;
      cleanup();
      void auth.onSuccess().catch(() => undefined);
      resolve({ client, fingerprint: verifier.lastVerdict?.fingerprint, methodsTried: auth.methodsTried() });
    }
    function onError(err: Error & { level?: string; code?: string }): void {
      if (settled) return;
      if (err.level === 'agent') return; // an unreachable agent just skips agent auth
      fail(mapError(err));
    }
    function onClose(): void {
      if (settled) return;
      fail(verifier.lastError ?? new VmdeckError('UNREACHABLE', `The connection to ${where} closed during the SSH handshake.`, { host: where }));
    }
    function mapError(err: Error & { level?: string; code?: string }): VmdeckError {
      if (verifier.lastError) return verifier.lastError;
      if (err.level === 'client-authentication') return auth.failure();
      if (err.level === 'client-timeout') return new VmdeckError('TIMEOUT', `SSH handshake with ${where} timed out.`, { host: where });
      if (err.level === 'client-socket' || (err.code !== undefined && UNREACHABLE_CODES.has(err.code))) {
        return new VmdeckError('UNREACHABLE', `Cannot reach ${where}: ${err.message}`, { host: where, notes: err.code ? [String(err.code)] : [] }, { cause: err });
      }
      return new VmdeckError('UNREACHABLE', `SSH handshake with ${where} failed: ${err.message}`, { host: where }, { cause: err });
    }

    client.on('ready', onReady);
    client.on('error', onError);
    client.on('close', onClose);

    let verifying = false;
    const config: ConnectConfig = {
      host: cfg.hostName,
      port: cfg.port,
      username: cfg.user,
      readyTimeout: 0, // our own timer, suspended while a human answers a prompt
      keepaliveInterval: o.keepaliveIntervalMs,
      keepaliveCountMax: o.keepaliveCountMax,
      algorithms: { serverHostKey: verifier.preferredAlgorithms() as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] },
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        verifying = true;
        o.onPhase?.('verifying');
        pauseTimer();
        verifier.hostVerifier(key, (ok) => {
          resumeTimer();
          // The hop may have failed while the user looked at the prompt (the server's LoginGraceTime closed
          // it, a cancel): ssh2's protocol object is gone then, and answering it would throw out of the process.
          if (settled) return;
          if (ok) o.onPhase?.('authenticating');
          verify(ok);
        });
      },
      authHandler: (methodsLeft, partial, next) => {
        if (!verifying) o.onPhase?.('authenticating');
        auth.handler(methodsLeft, partial, next);
      },
      ...(o.sock ? { sock: o.sock as unknown as NonNullable<ConnectConfig['sock']> } : {}),
      ...(o.debug ? { debug: o.debug } : {}),
    };
    o.onPhase?.('connecting');
    try {
      client.connect(config);
      // Small request/response packets: without TCP_NODELAY, Nagle + delayed ACK add ~40 ms per command.
      client.setNoDelay(true);
    } catch (e) {
      fail(new VmdeckError('CONFIG_ERROR', `Cannot connect to ${where}: ${e instanceof Error ? e.message : String(e)}`, { host: where }));
    }
  });
}

export interface ForwardOptions {
  clock: Clock;
  /** The jump host must open the forwarded connection within this time (the hop's ConnectTimeout). */
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * Opens a direct-tcpip stream through `client` to host:port (the next hop's socket). Races a deadline and the
 * signal: a jump host that never answers the request fails the attempt with TIMEOUT (or CANCELLED) instead of
 * holding it, and a stream it opens after that is destroyed.
 */
export function forwardThrough(client: Client, host: string, port: number, o: ForwardOptions): Promise<Duplex> {
  const where = `${host}:${port}`;
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (e: VmdeckError | undefined, stream?: Duplex) => {
      if (settled) return;
      settled = true;
      timer.cancel();
      o.signal?.removeEventListener('abort', onAbort);
      if (e) reject(e);
      else resolve(stream!);
    };
    const timer = o.clock.setTimeout(
      () => settle(new VmdeckError('TIMEOUT', `The jump host did not open a connection to ${where} within ${o.timeoutMs} ms.`, { host: where })),
      o.timeoutMs,
    );
    const onAbort = () => settle(new VmdeckError('CANCELLED', `Connecting to ${where} was cancelled.`, { host: where }));
    if (o.signal?.aborted) return onAbort();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      client.forwardOut('127.0.0.1', 0, host, port, (err, stream) => {
        if (settled) {
          if (!err) {
            stream.on('error', () => undefined);
            stream.destroy();
          }
          return;
        }
        if (err) settle(new VmdeckError('UNREACHABLE', `The jump host could not open a connection to ${where}: ${err.message}`, { host: where }));
        else settle(undefined, stream as unknown as Duplex);
      });
    } catch (e) {
      settle(new VmdeckError('UNREACHABLE', `The jump host could not open a connection to ${where}: ${e instanceof Error ? e.message : String(e)}`, { host: where }));
    }
  });
}
