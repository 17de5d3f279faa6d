/**
 * The host link for the local machine: always ready, commands run through LocalCommandRunner.
 */
import type { ConnectionState } from '../core/contract';
import type { ErrorData } from '../core/errors';
import { Emitter, type Disposable, type Event } from '../core/lifecycle';
import type { CommandRecord } from '../core/runner';
import { LocalCommandRunner, type LocalRunnerOptions } from './local-runner';

export class LocalHostLink implements Disposable {
  readonly runner: LocalCommandRunner;
  readonly onCommand: Event<CommandRecord>;
  private readonly stateEmitter = new Emitter<ConnectionState>();
  readonly onDidChangeState: Event<ConnectionState> = this.stateEmitter.event;
  private current: ConnectionState = 'disconnected';
  readonly error: ErrorData | undefined = undefined;
  readonly reconnectAt: number | undefined = undefined;
  readonly warnings: readonly string[] = [];

  constructor(options: LocalRunnerOptions = {}) {
    this.runner = new LocalCommandRunner(options);
    this.onCommand = this.runner.onCommand;
  }

  get state(): ConnectionState {
    return this.current;
  }
  async connect(): Promise<void> {
    this.set('ready');
  }
  disconnect(): void {
    this.set('disconnected');
  }
  dispose(): void {
    this.runner.dispose();
    this.stateEmitter.dispose();
  }
  private set(state: ConnectionState): void {
    if (this.current === state) return;
    this.current = state;
    this.stateEmitter.fire(state);
  }
}
