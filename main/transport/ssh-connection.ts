/**
 * One authenticated SSH connection per host, shared by every command, event stream and console.
 *
 * State machine: disconnected -> connecting -> verifying -> authenticating -> ready | failed.
 * Every change fires `onStateChange` with the reason as ErrorData. A dropped connection (keepalive timeout,
 * server gone) goes to `failed` with DISCONNECTED and reconnects by itself with exponential backoff
 * (1 s ... 60 s, jittered, cancellable). HOST_KEY_* and AUTH_FAILED never reconnect by themselves: they need
 * the user. ProxyJump: each hop is its own ssh2 Client with its own host key check; the next hop's socket is
 * a stream forwarded out of the previous one.
 *
 * Channels: at most `maxSessions` (OpenSSH's MaxSessions, default 10) session channels are open at once;
 * further requests wait in a FIFO queue until one closes (see SessionSlots). One TCP connection per host.
 *
 * Waits on the peer are bounded: a channel open races the caller's signal and CHANNEL_OPEN_TIMEOUT_MS (a
 * host that never confirms it cannot keep the slot), and a channel we close (or whose command reported its exit) is dropped locally if
 * the peer does not confirm the close within CLOSE_GRACE_MS. A peer that leaves STUCK_CHANNEL_LIMIT channels
 * in a row unanswered has stopped working at the channel level: the connection is torn down (DISCONNECTED)
 * and reconnects, which also frees whatever the peer still holds for us.
 */
import type { Client, ClientChannel, ExecOptions as Ssh2ExecOptions } from 'ssh2';
import type { ConnectionState } from '../core/contract';
import { VmdeckError, type ErrorCode, type ErrorData } from '../core/errors';
import { Emitter, type Event } from '../core/lifecycle';
import type { AppKnownHostsStore } from './app-known-hosts-store';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff';
import { systemClock, type Clock, type TimerHandle } from '../core/clock';
import type { PassphraseCache } from './passphrase-cache';
import type { PromptBroker } from './prompts';
import type { SecretStore } from './secrets';
import { SessionSlots } from './session-slots';
import type { ResolvedSshConfig } from './ssh-config';
import { connectHop, forwardThrough, type HopPhase } from './ssh-hop';

export interface StateChange {
  state: ConnectionState;
  previous: ConnectionState;
  error?: ErrorData;
}

export interface SshConnectionOptions {
  hostId: string;
  target: ResolvedSshConfig;
  /** Jump hosts, already resolved, first hop first. */
  jumpHosts?: readonly ResolvedSshConfig[];
  prompts: PromptBroker;
  secrets?: SecretStore;
  passphrases: PassphraseCache;
  appKnownHosts: AppKnownHostsStore;
  clock?: Clock;
  random?: () => number;
  /** Defaults: ConnectTimeout from ssh_config or 15 s; ServerAlive* from ssh_config or 15 s x 3. */
  connectTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  maxSessions?: number;
  /** How long the host may take to confirm a channel open (default 15 s; waiting for a free slot is not counted). */
  channelOpenTimeoutMs?: number;
  autoReconnect?: boolean;
  backoff?: BackoffPolicy;
  debug?: (line: string) => void;
}

export interface ConnectOptions {
  /** An explicit "replace host key" action: a changed key raises a host-key-mismatch prompt. */
  allowReplaceHostKey?: boolean;
  signal?: AbortSignal;
}

export interface OpenChannelOptions {
  pty?: { rows: number; cols: number; term?: string };
  signal?: AbortSignal;
  /**
   * Called synchronously as soon as the channel exists, before any of its events can fire: a short command
   * may deliver its output, exit status and close in the same packet batch as the open confirmation.
   */
  attach?: (opened: OpenedChannel) => void;
}

/** A session channel; its slot is freed automatically when it closes. */
export interface OpenedChannel {
  channel: ClientChannel;
  /** The remote exit status, once reported (`exit-status` or `exit-signal`). */
  exit: { code: number | null; signal?: string } | undefined;
  /** Resolves when the channel closed; `lost` when the connection dropped underneath it. */
  closed: Promise<{ lost: boolean }>;
  /**
   * Closes the channel; if the peer does not confirm within CLOSE_GRACE_MS the channel is dropped locally
   * (its slot freed, `closed` resolved) and counted against the peer.
   */
  shutdown(): void;
}

/** How long a peer may take to confirm a channel close (or to close after reporting the exit status). */
export const CLOSE_GRACE_MS = 2_000;
/** How long a host may take to confirm a channel open: one round trip, normally milliseconds. */
export const CHANNEL_OPEN_TIMEOUT_MS = 15_000;
/** Unanswered channel opens or closes in a row after which the connection is considered broken. */
export const STUCK_CHANNEL_LIMIT = 3;

const NO_AUTO_RECONNECT: ReadonlySet<ErrorCode> = new Set(['HOST_KEY_MISMATCH', 'HOST_KEY_UNKNOWN', 'HOST_KEY_REVOKED', 'AUTH_FAILED', 'CANCELLED', 'CONFIG_ERROR']);

export class SshConnection {
  private stateValue: ConnectionState = 'disconnected';
  private errorValue: ErrorData | undefined;
  private reconnectAtValue: number | undefined;
  private clients: Client[] = [];
  private attempt: Promise<void> | undefined;
  private attemptAbort: AbortController | undefined;
  private reconnectTimer: TimerHandle | undefined;
  private reconnectAttempts = 0;
  private wantConnected = false;
  private disposed = false;
  private readonly clock: Clock;
  private readonly slots: SessionSlots;
  private readonly openChannels = new Set<ClientChannel>();
  private stuckChannels = 0;
  private readonly stateEmitter = new Emitter<StateChange>();
  private readonly stateOnlyEmitter = new Emitter<ConnectionState>();
  private readonly dropEmitter = new Emitter<ErrorData>();
  /** Number of TCP/SSH connections established over this object's life (for tests and diagnostics). */
  connectCount = 0;
  /** Duration of the last successful connect (ms). */
  lastConnectMs: number | undefined;
  /** SHA256 fingerprint of the host key the target presented on the last successful connect. */
  hostKeyFingerprint: string | undefined;

  readonly onStateChange: Event<StateChange> = this.stateEmitter.event;
  readonly onDidChangeState: Event<ConnectionState> = this.stateOnlyEmitter.event;
  /** The established connection was lost (channels on it are gone). */
  readonly onDidDrop: Event<ErrorData> = this.dropEmitter.event;

  constructor(private readonly options: SshConnectionOptions) {
    this.clock = options.clock ?? systemClock;
    this.slots = new SessionSlots(options.maxSessions ?? 10);
  }

  get hostId(): string {
    return this.options.hostId;
  }
  get state(): ConnectionState {
    return this.stateValue;
  }
  get error(): ErrorData | undefined {
    return this.errorValue;
  }
  get reconnectAt(): number | undefined {
    return this.reconnectAtValue;
  }
  /** The user the target is logged in as (after ssh_config). */
  get user(): string {
    return this.options.target.user;
  }
  get warnings(): readonly string[] {
    return [...this.options.target.warnings, ...(this.options.jumpHosts ?? []).flatMap((h) => h.warnings)];
  }
  /** Session channels open now and requests waiting for one. */
  get channelStats(): { open: number; queued: number; limit: number } {
    return { open: this.slots.inUse, queued: this.slots.queued, limit: this.slots.limit };
  }

  /** Connects (or joins the attempt in progress). Rejects with the typed error that failed it. */
  connect(options: ConnectOptions = {}): Promise<void> {
    if (this.disposed) return Promise.reject(new VmdeckError('INVALID_STATE', 'connection disposed'));
    this.wantConnected = true;
    this.cancelReconnect();
    if (this.stateValue === 'ready') return Promise.resolve();
    if (this.attempt) return this.attempt;
    const attempt = this.runAttempt(options).finally(() => {
      if (this.attempt === attempt) this.attempt = undefined;
    });
    this.attempt = attempt;
    return attempt;
  }

  /** Closes everything and stays disconnected until connect() is called again. */
  disconnect(): void {
    this.wantConnected = false;
    this.cancelReconnect();
    this.attemptAbort?.abort();
    this.tearDown(new VmdeckError('NOT_CONNECTED', 'disconnected by the user'));
    this.setState('disconnected', undefined);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disconnect();
    this.disposed = true;
    this.stateEmitter.dispose();
    this.stateOnlyEmitter.dispose();
    this.dropEmitter.dispose();
  }

  /** The client once ready: waits for an attempt in progress; NOT_CONNECTED otherwise. */
  async whenReady(signal?: AbortSignal): Promise<Client> {
    if (this.stateValue !== 'ready' && this.attempt) {
      await abortable(this.attempt, signal).catch((e: unknown) => {
        if (e instanceof VmdeckError && e.code === 'CANCELLED') throw e;
      });
    }
    const client = this.clients.at(-1);
    if (this.stateValue !== 'ready' || !client) {
      throw new VmdeckError('NOT_CONNECTED', `Not connected to ${this.options.target.alias}.`, {
        host: this.options.target.alias,
        ...(this.errorValue ? { notes: [`last error: ${this.errorValue.code}: ${this.errorValue.message}`] } : {}),
      });
    }
    return client;
  }

  /**
   * Opens a session channel running `command` (already quoted), waiting for a free slot if the connection
   * is at its MaxSessions limit.
   */
  async openExec(command: string, options: OpenChannelOptions = {}): Promise<OpenedChannel> {
    for (let tries = 0; ; tries++) {
      const client = await this.whenReady(options.signal);
      const release = await this.slots.acquire(options.signal);
      if (this.clients.at(-1) !== client || this.stateValue !== 'ready') {
        release();
        continue;
      }
      try {
        const execOptions: Ssh2ExecOptions = options.pty ? { pty: { rows: options.pty.rows, cols: options.pty.cols, term: options.pty.term ?? 'xterm-256color' } } : {};
        return await execOn(
          client,
          command,
          execOptions,
          { clock: this.clock, timeoutMs: this.options.channelOpenTimeoutMs ?? CHANNEL_OPEN_TIMEOUT_MS, host: this.options.target.alias, ...(options.signal ? { signal: options.signal } : {}) },
          (channel) => {
            const opened = this.track(channel, release);
            options.attach?.(opened);
            return opened;
          },
          () => this.noteStuckChannel(client),
        );
      } catch (e) {
        if (e instanceof VmdeckError) {
          // Cancelled (or timed out) while the peer had not confirmed the channel: the slot is free again.
          release();
          throw e;
        }
        const refused = e instanceof Error && (e as Error & { reason?: unknown }).reason !== undefined;
        if (refused && this.slots.inUse > 1 && tries < 3) {
          // The server's MaxSessions is lower than ours: remember it and wait for a slot.
          this.slots.learnLimit();
          release();
          continue;
        }
        release();
        if (this.stateValue !== 'ready') throw new VmdeckError('DISCONNECTED', `Connection to ${this.options.target.alias} lost.`);
        throw new VmdeckError('COMMAND_FAILED', `Could not open a channel: ${e instanceof Error ? e.message : String(e)}`, { host: this.options.target.alias });
      }
    }
  }

  private track(channel: ClientChannel, release: () => void): OpenedChannel {
    this.openChannels.add(channel);
    const client = this.clients.at(-1)!;
    let done = false;
    let grace: TimerHandle | undefined;
    let finish: (how: 'closed' | 'dropped' | 'abandoned') => void = () => undefined;
    const startGrace = () => {
      if (done || grace) return;
      grace = this.clock.setTimeout(() => finish('abandoned'), CLOSE_GRACE_MS);
    };
    const opened: OpenedChannel = {
      channel,
      exit: undefined,
      closed: undefined as unknown as Promise<{ lost: boolean }>,
      shutdown: () => {
        if (done) return;
        closeQuietly(channel);
        startGrace();
      },
    };
    channel.on('error', () => undefined);
    // The command is over once it reported its exit AND its output was read to the end (a paused stream may
    // still hold data): from then on, a peer that never closes the channel must not hold the caller.
    let exited = false;
    let ended = false;
    const overOnTheirSide = () => {
      if (exited && ended) startGrace();
    };
    channel.on('exit', (code: unknown, signal?: unknown) => {
      opened.exit = typeof code === 'number' ? { code } : { code: null, ...(typeof signal === 'string' ? { signal } : {}) };
      exited = true;
      overOnTheirSide();
    });
    channel.once('end', () => {
      ended = true;
      overOnTheirSide();
    });
    opened.closed = new Promise<{ lost: boolean }>((resolve) => {
      finish = (how) => {
        if (done) return;
        done = true;
        grace?.cancel();
        this.openChannels.delete(channel);
        release();
        const lost = how === 'dropped' || !this.clients.includes(client) || this.stateValue !== 'ready';
        dropSub.dispose();
        resolve({ lost });
        if (how === 'closed') this.stuckChannels = 0;
        else if (how === 'abandoned') {
          closeQuietly(channel);
          this.noteStuckChannel(client);
        }
      };
      const dropSub = this.dropEmitter.event(() => finish('dropped'));
      channel.once('close', () => finish('closed'));
    });
    return opened;
  }

  /** A channel open or close the peer never answered; past the limit the connection is replaced. */
  private noteStuckChannel(client: Client): void {
    if (!this.clients.includes(client)) return;
    if (++this.stuckChannels < STUCK_CHANNEL_LIMIT) return;
    this.stuckChannels = 0;
    const reason = new VmdeckError('DISCONNECTED', `${this.options.target.alias} stopped answering channel requests (${STUCK_CHANNEL_LIMIT} in a row); reconnecting.`, {
      host: this.options.target.alias,
    });
    this.tearDown(reason);
    this.fail(reason);
  }

  private async runAttempt(options: ConnectOptions): Promise<void> {
    const abort = new AbortController();
    this.attemptAbort = abort;
    const onOuterAbort = () => abort.abort();
    options.signal?.addEventListener('abort', onOuterAbort, { once: true });
    const started = this.clock.now();
    const o = this.options;
    const hops = [...(o.jumpHosts ?? []), o.target];
    const clients: Client[] = [];
    this.setState('connecting', undefined);
    try {
      for (let i = 0; i < hops.length; i++) {
        const config = hops[i]!;
        const previous = clients.at(-1);
        const connectTimeoutMs = o.connectTimeoutMs ?? config.connectTimeoutMs ?? 15_000;
        const sock = previous ? await forwardThrough(previous, config.hostName, config.port, { clock: this.clock, timeoutMs: connectTimeoutMs, signal: abort.signal }) : undefined;
        const isTarget = i === hops.length - 1;
        const hop = await connectHop({
          hostId: o.hostId,
          config,
          ...(sock ? { sock } : {}),
          prompts: o.prompts,
          ...(o.secrets ? { secrets: o.secrets } : {}),
          passphrases: o.passphrases,
          appKnownHosts: o.appKnownHosts,
          clock: this.clock,
          connectTimeoutMs,
          keepaliveIntervalMs: o.keepaliveIntervalMs ?? config.serverAliveIntervalMs ?? 15_000,
          keepaliveCountMax: o.keepaliveCountMax ?? config.serverAliveCountMax ?? 3,
          ...(isTarget && options.allowReplaceHostKey ? { allowReplaceHostKey: true } : {}),
          signal: abort.signal,
          onPhase: (phase: HopPhase) => this.setState(phase, undefined),
          ...(o.debug ? { debug: o.debug } : {}),
        });
        clients.push(hop.client);
        if (isTarget) this.hostKeyFingerprint = hop.fingerprint;
        if (abort.signal.aborted) throw new VmdeckError('CANCELLED', 'connect cancelled');
      }
    } catch (e) {
      for (const c of clients.reverse()) c.destroy();
      const error = e instanceof VmdeckError ? e : new VmdeckError('INTERNAL', String(e), undefined, { cause: e });
      if (abort.signal.aborted && !this.wantConnected) throw error; // disconnect() during connect
      this.fail(error);
      throw error;
    } finally {
      options.signal?.removeEventListener('abort', onOuterAbort);
      if (this.attemptAbort === abort) this.attemptAbort = undefined;
    }
    this.clients = clients;
    this.connectCount++;
    this.lastConnectMs = this.clock.now() - started;
    this.reconnectAttempts = 0;
    this.slots.newGeneration(o.maxSessions ?? 10);
    for (const c of clients) this.watch(c);
    this.setState('ready', undefined);
  }

  private watch(client: Client): void {
    const onGone = (err?: Error & { level?: string }) => {
      if (!this.clients.includes(client)) return;
      if (err?.level === 'agent') return;
      const reason =
        err?.level === 'client-timeout'
          ? new VmdeckError('DISCONNECTED', `No answer from ${this.options.target.alias} to keepalives; connection lost.`, { host: this.options.target.alias })
          : new VmdeckError('DISCONNECTED', `Connection to ${this.options.target.alias} lost${err ? `: ${err.message}` : ''}.`, { host: this.options.target.alias });
      this.tearDown(reason);
      this.fail(reason);
    };
    client.on('error', onGone);
    client.on('close', () => onGone());
  }

  /** Drops the current clients, fails queued channel requests, tells open channels they are lost. */
  private tearDown(reason: VmdeckError): void {
    const clients = this.clients;
    this.clients = [];
    if (clients.length > 0) this.dropEmitter.fire(reason.toData());
    for (const ch of this.openChannels) ch.destroy();
    this.openChannels.clear();
    this.slots.rejectAll(new VmdeckError('DISCONNECTED', reason.message));
    this.slots.newGeneration(this.options.maxSessions ?? 10);
    for (const c of [...clients].reverse()) {
      c.on('error', () => undefined);
      c.end();
      c.destroy();
    }
  }

  /** Enters `failed`; the retry (if any) is scheduled first so listeners already see `reconnectAt`. */
  private fail(error: VmdeckError): void {
    this.scheduleReconnect(error.code);
    this.setState('failed', error.toData());
  }

  private scheduleReconnect(code: ErrorCode): void {
    this.cancelReconnect();
    if (!this.wantConnected || this.disposed || this.options.autoReconnect === false || NO_AUTO_RECONNECT.has(code)) return;
    const delay = backoffDelay(this.reconnectAttempts++, this.options.backoff ?? DEFAULT_BACKOFF, this.options.random);
    this.reconnectAtValue = this.clock.now() + delay;
    this.reconnectTimer = this.clock.setTimeout(() => {
      this.reconnectTimer = undefined;
      this.reconnectAtValue = undefined;
      if (!this.wantConnected || this.disposed) return;
      this.connect().catch(() => undefined); // failures reschedule themselves
    }, delay);
  }

  private cancelReconnect(): void {
    this.reconnectTimer?.cancel();
    this.reconnectTimer = undefined;
    this.reconnectAtValue = undefined;
  }

  private setState(state: ConnectionState, error: ErrorData | undefined): void {
    const previous = this.stateValue;
    if (previous === state && error === undefined && state !== 'failed') return;
    this.stateValue = state;
    if (state === 'failed' || state === 'disconnected') this.errorValue = error ?? (state === 'failed' ? this.errorValue : undefined);
    else if (state === 'ready') this.errorValue = undefined;
    this.stateEmitter.fire({ state, previous, ...(error ? { error } : {}) });
    if (previous !== state) this.stateOnlyEmitter.fire(state);
  }
}

/**
 * Opens an exec channel, racing the caller's signal: a peer that never confirms the open (or never answers
 * the exec request) rejects with CANCELLED when the signal aborts; a channel confirmed after that is closed
 * at once and reported through `onLate`.
 */
function execOn<T>(
  client: Client,
  command: string,
  options: Ssh2ExecOptions,
  wait: { clock: Clock; timeoutMs: number; host: string; signal?: AbortSignal },
  onChannel: (channel: ClientChannel) => T,
  onLate: () => void,
): Promise<T> {
  const { signal } = wait;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new VmdeckError('CANCELLED', 'cancelled while opening a channel'));
    let settled = false;
    const giveUp = (e: VmdeckError) => {
      settled = true;
      timer.cancel();
      signal?.removeEventListener('abort', onAbort);
      reject(e);
    };
    const onAbort = () => {
      if (settled) return;
      giveUp(new VmdeckError('CANCELLED', 'cancelled while opening a channel'));
      onLate(); // the peer had not confirmed when the caller gave up
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = wait.clock.setTimeout(() => {
      if (settled) return;
      giveUp(new VmdeckError('TIMEOUT', `${wait.host} did not confirm a channel within ${wait.timeoutMs} ms.`, { host: wait.host }));
      onLate();
    }, wait.timeoutMs);
    try {
      client.exec(command, options, (err, channel) => {
        timer.cancel();
        signal?.removeEventListener('abort', onAbort);
        if (settled) {
          if (!err) {
            channel.on('error', () => undefined);
            closeQuietly(channel);
          }
          return;
        }
        settled = true;
        if (err) reject(err);
        else resolve(onChannel(channel));
      });
    } catch (e) {
      timer.cancel();
      signal?.removeEventListener('abort', onAbort);
      settled = true;
      reject(e);
    }
  });
}

function closeQuietly(channel: ClientChannel): void {
  try {
    channel.close();
  } catch {
    // the connection is already gone
  }
}

function abortable<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new VmdeckError('CANCELLED', 'cancelled'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new VmdeckError('CANCELLED', 'cancelled'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

