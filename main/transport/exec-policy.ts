/**
 * The policy every CommandRunner applies to one `exec`, shared by the SSH and the local runner so both fail
 * the same way: one deadline counted from the call, the caller's abort signal, one output cap over stdout and
 * stderr, the exit codes that count as success, and the typed errors for each
 * (TIMEOUT, CANCELLED, OUTPUT_TOO_LARGE, COMMAND_FAILED with exit code and truncated stderr).
 *
 * The runner only moves bytes: it feeds `addStdout`/`addStderr`, stops its process or channel when `signal`
 * aborts, and calls `result()` with the exit status once it has one.
 */
import { VmdeckError, isVmdeckError } from '../core/errors';
import { systemClock, type Clock, type TimerHandle } from '../core/clock';
import { Emitter, type Event } from '../core/lifecycle';
import type { CommandRecord, ExecOptions, ExecResult } from '../core/runner';
import { OutputCollector, truncateForDetails } from './output-collector';

export const DEFAULT_EXEC_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

export interface ExecDefaults {
  defaultTimeoutMs?: number;
  defaultMaxOutputBytes?: number;
}

export class ExecAttempt {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly okExitCodes: readonly number[];
  readonly details: { command: string[]; host: string };
  readonly output: OutputCollector;
  readonly startedAt: number;
  private readonly controller = new AbortController();
  private failureValue: VmdeckError | undefined;
  private readonly timer: TimerHandle;
  private readonly onCallerAbort: () => void;

  constructor(
    private readonly argv: readonly string[],
    private readonly options: ExecOptions,
    defaults: ExecDefaults,
    label: string,
    private readonly clock: Clock,
  ) {
    this.startedAt = clock.now();
    this.timeoutMs = options.timeoutMs ?? defaults.defaultTimeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
    this.maxBytes = options.maxOutputBytes ?? defaults.defaultMaxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    this.okExitCodes = options.okExitCodes ?? [0];
    this.details = { command: [...argv], host: label };
    this.output = new OutputCollector(this.maxBytes);
    this.timer = clock.setTimeout(() => this.stop(new VmdeckError('TIMEOUT', `Command timed out after ${this.timeoutMs} ms: ${this.text}`, this.details)), this.timeoutMs);
    this.onCallerAbort = () => this.stop(new VmdeckError('CANCELLED', `Command cancelled: ${this.text}`, this.details));
    if (options.signal?.aborted) this.onCallerAbort();
    else options.signal?.addEventListener('abort', this.onCallerAbort, { once: true });
  }

  private get text(): string {
    return this.argv.join(' ');
  }

  /** Aborts on timeout, on the caller's abort and on the output cap: the runner stops its process or channel. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }
  /** The first reason the attempt was stopped, if any. */
  get failure(): VmdeckError | undefined {
    return this.failureValue;
  }

  stop(e: VmdeckError): void {
    this.failureValue ??= e;
    this.controller.abort();
  }

  addStdout(chunk: Buffer): void {
    if (!this.output.addStdout(chunk)) this.tooLarge();
  }
  addStderr(chunk: Buffer): void {
    if (!this.output.addStderr(chunk)) this.tooLarge();
  }

  private tooLarge(): void {
    this.stop(new VmdeckError('OUTPUT_TOO_LARGE', `Command output exceeded ${this.maxBytes} bytes: ${this.text}`, this.details));
  }

  /** The outcome once the command ended: the stop reason, COMMAND_FAILED for a bad exit, or the result. */
  result(exitCode: number | null, exitSignal?: string | null): ExecResult {
    if (this.failureValue) throw this.failureValue;
    const stderr = this.output.stderr();
    if (exitCode === null || !this.okExitCodes.includes(exitCode)) {
      throw new VmdeckError('COMMAND_FAILED', `Command failed (${exitCode === null ? `signal ${exitSignal ?? 'unknown'}` : `exit ${exitCode}`}): ${this.text}`, {
        ...this.details,
        exitCode,
        stderr: truncateForDetails(stderr),
        ...(exitSignal ? { signal: exitSignal } : {}),
      });
    }
    return { stdout: this.output.stdout(), stderr, exitCode, durationMs: this.clock.now() - this.startedAt };
  }

  /** Cancels the deadline and forgets the caller's signal. */
  dispose(): void {
    this.timer.cancel();
    this.options.signal?.removeEventListener('abort', this.onCallerAbort);
  }
}

/** The activity-log record of a finished exec or stream. */
export function commandRecord(hostId: string, argv: readonly string[], startedAt: number, clock: Clock, kind: 'exec' | 'stream', outcome: { exitCode: number | null; error?: unknown }): CommandRecord {
  const r: CommandRecord = { hostId, argv: [...argv], startedAt, durationMs: clock.now() - startedAt, exitCode: outcome.exitCode, kind };
  if (outcome.error !== undefined) r.error = isVmdeckError(outcome.error) ? outcome.error.code : 'INTERNAL';
  return r;
}

/** The exit code a failed exec reported, for its record. */
export function failedExitCode(e: unknown): number | null {
  return isVmdeckError(e) && typeof e.details?.exitCode === 'number' ? e.details.exitCode : null;
}

/** What both runners share around the policy: their label, clock and the record of every command. */
export abstract class RecordingRunner {
  readonly label: string;
  private readonly commandEmitter = new Emitter<CommandRecord>();
  readonly onCommand: Event<CommandRecord> = this.commandEmitter.event;
  protected readonly clock: Clock;

  constructor(label: string, clock: Clock | undefined, private readonly recordHostId: () => string) {
    this.label = label;
    this.clock = clock ?? systemClock;
  }

  protected record(argv: readonly string[], startedAt: number, kind: 'exec' | 'stream', outcome: { exitCode: number | null; error?: unknown }): void {
    this.commandEmitter.fire(commandRecord(this.recordHostId(), argv, startedAt, this.clock, kind, outcome));
  }

  /** Runs one exec under the policy and records it, whatever the outcome. */
  protected async recorded(argv: readonly string[], options: ExecOptions, defaults: ExecDefaults, run: (attempt: ExecAttempt) => Promise<ExecResult>): Promise<ExecResult> {
    const attempt = new ExecAttempt(argv, options, defaults, this.label, this.clock);
    try {
      const result = await run(attempt);
      this.record(argv, attempt.startedAt, 'exec', { exitCode: result.exitCode });
      return result;
    } catch (e) {
      this.record(argv, attempt.startedAt, 'exec', { exitCode: failedExitCode(e), error: e });
      throw e;
    } finally {
      attempt.dispose();
    }
  }

  protected disposeRecords(): void {
    this.commandEmitter.dispose();
  }
}
