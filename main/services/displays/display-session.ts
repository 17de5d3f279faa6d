/**
 * One graphical console: finds the guest's VNC display (driver.displays), tunnels to it over the host's
 * connection, and passes the RFB bytes through untouched (noVNC in the renderer speaks RFB). Output is
 * batched and flow-controlled like console output (acks, watermarks). When the tunnel ends without the
 * user closing it (guest rebooted, restarted with a new port or domain id, connection dropped) the session
 * reconnects by itself: each connection is a new `generation`, i.e. a new RFB handshake for the viewer.
 * Idle, it holds no timer: only the tunnel's listeners.
 */
import { VmdeckError, toErrorData, type ErrorData } from '../../core/errors';
import { Emitter, type Event } from '../../core/lifecycle';
import type { DisplayStatus } from '../../core/contract';
import type { DisplayDevice, Guest } from '../../core/models';
import type { ByteTunnel, TunnelOpener } from '../../core/tunnel';
import type { HypervisorDriver } from '../../hypervisors/driver';
import type { Clock } from '../../core/clock';
import { abortableDelay } from '../consoles/abortable-delay';
import { FlowControl } from '../consoles/flow-control';
import { OutputBatcher } from '../consoles/output-batcher';

export interface DisplayLimits {
  batchMs: number;
  maxBatchBytes: number;
  highWatermark: number;
  lowWatermark: number;
}

export const DEFAULT_DISPLAY_LIMITS: Readonly<DisplayLimits> = Object.freeze({
  batchMs: 2,
  maxBatchBytes: 256 * 1024,
  highWatermark: 4 * 1024 * 1024,
  lowWatermark: 1024 * 1024,
});

/** Delays between reconnection attempts (ms); the last one repeats. */
export const RECONNECT_DELAYS_MS: readonly number[] = [0, 250, 500, 1000, 2000, 3000, 5000];

export interface DisplayTarget {
  label: string;
  guest(): Guest | undefined;
  driver(): HypervisorDriver;
  tunnels(): TunnelOpener;
  /** A priority refresh of the host's inventory (new domain id after a restart). */
  refresh?(): Promise<void>;
  index?: number;
  forceRelay?: boolean;
}

/** The display a guest offers at `index` (default: the first VNC one); typed errors for none and SPICE only. */
export function pickVncDisplay(displays: readonly DisplayDevice[], index: number | undefined, label: string): DisplayDevice {
  const chosen = index === undefined ? (displays.find((d) => d.protocol === 'vnc') ?? displays[0]) : displays.find((d) => d.index === index);
  if (!chosen) {
    throw new VmdeckError('NOT_FOUND', index === undefined ? `${label} has no graphical console` : `${label} has no display ${index}`);
  }
  if (chosen.protocol !== 'vnc') {
    throw new VmdeckError('UNSUPPORTED', `${label} offers ${chosen.protocol.toUpperCase()} only; vmdeck shows VNC displays`, {
      notes: ['Open it in an external viewer (remote-viewer) instead.'],
      protocol: chosen.protocol,
    });
  }
  return chosen;
}

/** A guest whose emulator runs (and so serves its display). */
function hasScreen(guest: Guest): boolean {
  return guest.state === 'running' || guest.state === 'blocked' || guest.state === 'paused';
}

export class DisplaySession {
  private statusValue: DisplayStatus = 'connecting';
  private gen = 0;
  private tunnel: ByteTunnel | undefined;
  private deviceValue: DisplayDevice | undefined;
  private errorValue: ErrorData | undefined;
  private readonly abort = new AbortController();
  private readonly dataEmitter = new Emitter<{ generation: number; data: Uint8Array }>();
  private readonly changeEmitter = new Emitter<void>();
  readonly onData: Event<{ generation: number; data: Uint8Array }> = this.dataEmitter.event;
  readonly onDidChange: Event<void> = this.changeEmitter.event;
  private readonly flow: FlowControl;
  private readonly batcher: OutputBatcher;
  private readonly limits: DisplayLimits;

  constructor(
    private readonly target: DisplayTarget,
    private readonly clock: Clock,
    limits: Partial<DisplayLimits> = {},
  ) {
    this.limits = { ...DEFAULT_DISPLAY_LIMITS, ...limits };
    this.flow = new FlowControl(this.limits.highWatermark, this.limits.lowWatermark, {
      pause: () => this.tunnel?.pause(),
      resume: () => this.tunnel?.resume(),
    });
    this.batcher = new OutputBatcher((batch) => this.emit(batch), clock, this.limits.batchMs, this.limits.maxBatchBytes);
  }

  get status(): DisplayStatus {
    return this.statusValue;
  }
  get generation(): number {
    return this.gen;
  }
  get device(): DisplayDevice | undefined {
    return this.deviceValue;
  }
  get error(): ErrorData | undefined {
    return this.errorValue;
  }
  get currentTunnel(): ByteTunnel | undefined {
    return this.tunnel;
  }
  get unacknowledged(): number {
    return this.flow.unacknowledged;
  }

  /**
   * Connects now if the guest runs (rejects with the typed error when it has no usable display);
   * otherwise resolves at once in `connecting` and connects when the guest runs.
   */
  async start(): Promise<void> {
    const guest = this.target.guest();
    if (guest === undefined) throw new VmdeckError('NOT_FOUND', `${this.target.label} not found`);
    if (hasScreen(guest)) {
      await this.connect();
      return;
    }
    void this.reconnectLoop();
  }

  input(generation: number, data: Uint8Array): void {
    // Bytes of an older RFB session (typed before a reconnect) mean nothing to the new server.
    if (generation !== this.gen || this.statusValue !== 'connected') return;
    this.tunnel?.write(data);
  }

  ack(bytes: number): void {
    this.flow.ack(bytes);
  }

  close(): void {
    if (this.statusValue === 'closed') return;
    this.abort.abort();
    this.batcher.flush();
    this.batcher.dispose();
    const t = this.tunnel;
    this.tunnel = undefined;
    this.setStatus('closed');
    t?.close();
    this.dataEmitter.dispose();
    this.changeEmitter.dispose();
  }

  // -------------------------------------------------------------------------------------------------

  private async connect(): Promise<void> {
    const guest = this.target.guest();
    if (guest === undefined) throw new VmdeckError('NOT_FOUND', `${this.target.label} not found`);
    const ref = { uuid: guest.uuid, name: guest.name, domId: guest.domId };
    const driver = this.target.driver();
    if (!driver.displays) throw new VmdeckError('UNSUPPORTED', `${driver.toolstack} guests have no graphical consoles in vmdeck`);
    const device = pickVncDisplay(await driver.displays(ref), this.target.index, this.target.label);
    if (!device.endpoint) throw new VmdeckError('INVALID_STATE', `${this.target.label}: ${device.label}`);
    const tunnel = await this.target.tunnels().open(device.endpoint, { forceRelay: this.target.forceRelay === true });
    if (this.abort.signal.aborted) {
      tunnel.close();
      throw new VmdeckError('CANCELLED', 'display closed while connecting');
    }
    this.deviceValue = device;
    this.errorValue = undefined;
    this.tunnel = tunnel;
    this.gen += 1;
    this.flow.reset();
    const generation = this.gen;
    tunnel.onData((chunk) => {
      if (this.tunnel === tunnel) {
        this.flow.sent(chunk.byteLength);
        this.batcher.push(chunk);
      }
    });
    tunnel.onClose(() => this.tunnelClosed(tunnel, generation));
    this.setStatus('connected');
  }

  private emit(batch: Uint8Array): void {
    this.dataEmitter.fire({ generation: this.gen, data: batch });
  }

  private tunnelClosed(tunnel: ByteTunnel, generation: number): void {
    if (this.tunnel !== tunnel || this.statusValue === 'closed') return;
    this.batcher.flush();
    this.tunnel = undefined;
    if (generation === this.gen) void this.reconnectLoop();
  }

  private async reconnectLoop(): Promise<void> {
    const signal = this.abort.signal;
    this.setStatus(this.gen === 0 ? 'connecting' : 'reconnecting');
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        await abortableDelay(this.clock, RECONNECT_DELAYS_MS[Math.min(attempt, RECONNECT_DELAYS_MS.length - 1)]!, signal);
        await this.target.refresh?.().catch(() => undefined);
        const guest = this.target.guest();
        if (guest === undefined) throw new VmdeckError('NOT_FOUND', `${this.target.label} no longer exists`);
        if (!hasScreen(guest)) {
          this.noteError(new VmdeckError('INVALID_STATE', `waiting for ${this.target.label} to run`));
          continue;
        }
        await this.connect();
        return;
      } catch (e) {
        if (signal.aborted) return;
        if (e instanceof VmdeckError && e.code === 'NOT_FOUND' && this.target.guest() === undefined) {
          this.errorValue = toErrorData(e);
          this.close();
          return;
        }
        this.noteError(e);
      }
    }
  }

  private noteError(e: unknown): void {
    const data = toErrorData(e);
    if (this.errorValue?.message === data.message) return;
    this.errorValue = data;
    this.changeEmitter.fire();
  }

  private setStatus(status: DisplayStatus): void {
    if (this.statusValue === status && status !== 'connected') return;
    this.statusValue = status;
    this.changeEmitter.fire();
  }
}
