/**
 * One guest console: a PTY channel running the driver's console command, its output batched and sent on
 * as bytes under flow control, input and resizes passed to the channel, and reattachment when the channel
 * ends while the user still has the console open (the guest rebooted: `xl console` exits with the old
 * domain; the guest stopped: `virsh console` exits).
 *
 * Lifecycle and statuses:
 *  - start(): on a running guest, opens the channel and resolves once attached (rejects with the open's
 *    error, the caller disposes the session). On a guest that is not running, writes a "waiting" marker,
 *    stays `connecting` and attaches when the guest starts.
 *  - channel closed, not by the user: `reattaching`; the target refreshes the guest's state, then
 *     - the guest stopped or restarted (not running, or a new domain id): wait for it to run, reopen, and
 *       write a marker line into the output ("console reattached 12:34:56 (guest restarted)");
 *     - the console command exited while the guest keeps running in the same domain (after
 *       `sameDomainGraceMs`): someone else took the console over (`virsh console --force` elsewhere) or
 *       the host ended it. The session does not fight for it: it closes with INVALID_STATE;
 *     - the channel was lost without an exit status (connection dropped): reopen with backoff.
 *    Opens that fail or channels that close within `quickCloseMs` back off; after `maxQuickCloses` quick
 *    closes in the same domain the session gives up with INVALID_STATE.
 *  - sendEscape(): types Ctrl-]; the console command detaches and exits, and the session closes.
 *  - close(): closes the channel without typing anything (closing the channel detaches `virsh console` /
 *    `xl console` cleanly), emits the pending output, status `closed`, and releases every listener and timer.
 * Input typed while no channel is open is dropped (there is nothing to type into).
 */
import { VmdeckError, isVmdeckError, toErrorData, type ErrorData } from '../../core/errors';
import type { ConsoleStatus } from '../../core/contract';
import { DisposableStore, Emitter, type Disposable, type Event } from '../../core/lifecycle';
import type { Guest } from '../../core/models';
import type { CommandStream } from '../../core/runner';
import { systemClock, type Clock } from '../../core/clock';
import { abortableDelay } from './abortable-delay';
import { consoleLimits, type ConsoleLimits } from './console-limits';
import { isAttachable, type ConsoleTarget, type TerminalSize } from './console-target';
import { DETACH_ESCAPE, reattachMarker, waitingMarker, type ReattachReason } from './console-text';
import { FlowControl } from './flow-control';
import { OutputBatcher } from './output-batcher';

export interface ReattachPolicy {
  /** A channel that ends sooner than this after opening counts as a quick close. */
  quickCloseMs: number;
  /** Delay before the n-th consecutive retry (last value repeats). */
  backoffMs: readonly number[];
  /** Give up after this many consecutive quick closes while the guest stays in the same domain. */
  maxQuickCloses: number;
  /** How long a console command that exited is given to turn out a reboot before it counts as taken over. */
  sameDomainGraceMs: number;
}

export const DEFAULT_REATTACH_POLICY: Readonly<ReattachPolicy> = Object.freeze({
  quickCloseMs: 5000,
  backoffMs: [0, 500, 1000, 2000, 5000, 10_000],
  maxQuickCloses: 6,
  sameDomainGraceMs: 2000,
});

export interface ConsoleSessionOptions {
  size: TerminalSize;
  clock?: Clock;
  limits?: Partial<ConsoleLimits>;
  reattach?: Partial<ReattachPolicy>;
}

const encoder = new TextEncoder();

export class ConsoleSession implements Disposable {
  private readonly dataEmitter = new Emitter<Uint8Array>();
  private readonly changeEmitter = new Emitter<void>();
  /** Output batches, in order. Each array owns its buffer. */
  readonly onData: Event<Uint8Array> = this.dataEmitter.event;
  /** Status or error changed. */
  readonly onDidChange: Event<void> = this.changeEmitter.event;

  private readonly clock: Clock;
  private readonly limits: ConsoleLimits;
  private readonly policy: ReattachPolicy;
  private readonly batcher: OutputBatcher;
  private readonly flow: FlowControl;
  private readonly lifetime = new AbortController();
  private size: TerminalSize;

  private stream: CommandStream | undefined;
  private streamListeners: DisposableStore | undefined;
  private attachedDomId: number | null | undefined;
  private attachedAt = 0;
  private quickCloses = 0;
  private currentStatus: ConsoleStatus = 'connecting';
  private currentError: ErrorData | undefined;
  private started = false;
  private escapeSent = false;

  constructor(
    private readonly target: ConsoleTarget,
    options: ConsoleSessionOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.limits = consoleLimits(options.limits);
    this.policy = { ...DEFAULT_REATTACH_POLICY, ...options.reattach };
    this.size = { ...options.size };
    this.flow = new FlowControl(this.limits.highWatermark, this.limits.lowWatermark, {
      pause: () => this.stream?.pause(),
      resume: () => this.stream?.resume(),
    });
    this.batcher = new OutputBatcher((batch) => this.emit(batch), this.clock, this.limits.batchMs, this.limits.maxBatchBytes);
  }

  get status(): ConsoleStatus {
    return this.currentStatus;
  }

  get error(): ErrorData | undefined {
    return this.currentError;
  }

  get isClosed(): boolean {
    return this.currentStatus === 'closed';
  }

  /** Bytes this session holds or has sent and not had acknowledged: what flow control bounds. */
  get bufferedBytes(): number {
    return this.flow.unacknowledged + this.batcher.pendingBytes;
  }

  get unacknowledgedBytes(): number {
    return this.flow.unacknowledged;
  }

  /** True while the channel is paused because the terminal is behind. */
  get paused(): boolean {
    return this.flow.paused;
  }

  get terminalSize(): TerminalSize {
    return { ...this.size };
  }

  async start(): Promise<void> {
    if (this.started) throw new VmdeckError('INVALID_STATE', 'console session already started');
    this.started = true;
    const guest = this.target.guest();
    if (guest === undefined) throw new VmdeckError('NOT_FOUND', `guest not found: ${this.target.label}`);
    if (isAttachable(guest)) {
      await this.attach(guest, undefined);
      return;
    }
    this.writeText(waitingMarker(this.clock.now()));
    this.reattachInBackground();
  }

  /** Types text (UTF-8) or raw bytes into the console. Returns false when no channel is open. */
  input(data: string | Uint8Array): boolean {
    const stream = this.stream;
    if (stream === undefined || stream.closed) return false;
    stream.write(typeof data === 'string' ? encoder.encode(data) : data);
    return true;
  }

  resize(rows: number, cols: number): void {
    this.size = { rows, cols };
    this.stream?.resize(rows, cols);
  }

  /** The terminal has written `bytes` more bytes of output. */
  ack(bytes: number): void {
    this.flow.ack(bytes);
  }

  /** Types the detach escape (Ctrl-]) deliberately; the console command then exits. */
  sendEscape(): boolean {
    const sent = this.input(Uint8Array.of(DETACH_ESCAPE));
    if (sent) this.escapeSent = true;
    return sent;
  }

  close(): void {
    this.finish(undefined);
  }

  dispose(): void {
    this.close();
  }

  // -------------------------------------------------------------------------------------------------

  private finish(error: ErrorData | undefined): void {
    if (this.isClosed) return;
    this.lifetime.abort();
    this.batcher.flush();
    this.dropStream();
    this.batcher.dispose();
    this.setStatus('closed', error);
    this.dataEmitter.dispose();
    this.changeEmitter.dispose();
  }

  private emit(batch: Uint8Array): void {
    // Count first: a listener may acknowledge synchronously.
    this.flow.sent(batch.byteLength);
    this.dataEmitter.fire(batch);
  }

  private writeText(text: string): void {
    this.batcher.push(encoder.encode(text));
  }

  private setStatus(status: ConsoleStatus, error?: ErrorData): void {
    if (this.currentStatus === status && this.currentError === error) return;
    this.currentStatus = status;
    this.currentError = error;
    this.changeEmitter.fire();
  }

  private async attach(guest: Guest, reason: ReattachReason | undefined): Promise<void> {
    const openedSize = { ...this.size };
    const stream = await this.target.open(guest, openedSize);
    if (this.lifetime.signal.aborted) {
      stream.close();
      throw new VmdeckError('CANCELLED', 'console closed while opening');
    }
    if (reason !== undefined) this.writeText(reattachMarker(reason, this.clock.now()));
    const listeners = new DisposableStore();
    this.stream = stream;
    this.streamListeners = listeners;
    this.attachedDomId = guest.domId;
    this.attachedAt = this.clock.now();
    listeners.add(stream.onData((chunk) => this.batcher.push(chunk)));
    // With a PTY the remote's stderr normally arrives merged; anything separate is shown too.
    listeners.add(stream.onStderr((chunk) => this.batcher.push(chunk)));
    listeners.add(stream.onClose((exitCode) => this.channelClosed(stream, exitCode)));
    if (this.flow.paused) stream.pause();
    if (this.size.rows !== openedSize.rows || this.size.cols !== openedSize.cols) stream.resize(this.size.rows, this.size.cols);
    this.setStatus('attached');
    if (stream.closed) this.channelClosed(stream, null);
  }

  private dropStream(): void {
    const stream = this.stream;
    this.stream = undefined;
    this.streamListeners?.dispose();
    this.streamListeners = undefined;
    if (stream !== undefined && !stream.closed) stream.close();
  }

  private channelClosed(stream: CommandStream, exitCode: number | null): void {
    if (stream !== this.stream || this.isClosed) return;
    this.dropStream();
    this.batcher.flush();
    if (this.escapeSent) {
      this.finish(undefined);
      return;
    }
    const lived = this.clock.now() - this.attachedAt;
    this.quickCloses = lived < this.policy.quickCloseMs ? this.quickCloses + 1 : 0;
    this.setStatus('reattaching');
    this.reattachInBackground(exitCode);
  }

  private reattachInBackground(exitCode?: number | null): void {
    this.reattach(exitCode).catch((e: unknown) => {
      if (this.isClosed) return;
      // Gave up: say why in the output and in the status, and release everything.
      const error = toErrorData(e);
      this.writeText(`\r\n[console closed: ${error.message}]\r\n`);
      this.finish(error);
    });
  }

  private backoff(attempt: number): number {
    const steps = this.policy.backoffMs;
    if (steps.length === 0) return 0;
    return steps[Math.min(attempt, steps.length - 1)] ?? 0;
  }

  /** The guest still runs in the domain the lost channel was attached to. */
  private inAttachedDomain(): boolean {
    const guest = this.target.guest();
    return isAttachable(guest) && guest.domId === this.attachedDomId;
  }

  /** `exitCode`: how the last channel ended (undefined on the first attach, null without an exit status). */
  private async reattach(exitCode?: number | null): Promise<void> {
    const signal = this.lifetime.signal;
    let failedOpens = 0;
    if (exitCode !== undefined) {
      // See the reboot's new domain (or the stop) before deciding; a failed refresh changes nothing.
      await this.target.refresh?.().catch(() => undefined);
      if (signal.aborted) throw new VmdeckError('CANCELLED', 'console closed');
      if (exitCode !== null && this.inAttachedDomain()) {
        await abortableDelay(this.clock, this.policy.sameDomainGraceMs, signal);
        if (this.inAttachedDomain()) {
          throw new VmdeckError('INVALID_STATE', 'the console was closed on the host while the guest kept running (another client may have taken it over)', {
            exitCode,
          });
        }
      }
    }
    for (;;) {
      const delay = this.backoff(this.quickCloses + failedOpens);
      if (delay > 0) await abortableDelay(this.clock, delay, signal);
      const guest = await this.target.waitForAttachable(signal);
      const firstAttach = this.attachedDomId === undefined;
      const sameDomain = !firstAttach && guest.domId === this.attachedDomId;
      if (sameDomain && this.quickCloses >= this.policy.maxQuickCloses) {
        throw new VmdeckError('INVALID_STATE', 'the console keeps closing while the guest runs (another client may be holding it)');
      }
      const reason: ReattachReason = firstAttach ? 'guest started' : sameDomain ? 'console reconnected' : 'guest restarted';
      try {
        await this.attach(guest, reason);
        return;
      } catch (e) {
        if (isVmdeckError(e, 'CANCELLED') || signal.aborted) throw e;
        failedOpens += 1;
        this.setStatus(this.currentStatus, toErrorData(e));
      }
    }
  }
}
