/**
 * The "raw channel" noVNC's RFB accepts instead of a WebSocket URL (the WebSocket/RTCDataChannel shape:
 * send, close, binaryType, readyState, protocol, onopen/onmessage/onclose/onerror). Bytes go through the
 * contract: `displays.input` out, `displays.data` in; every message noVNC has consumed is acknowledged
 * (flow control). One channel per generation: a reconnect in the backend is a new RFB session.
 */
export interface RfbChannelIo {
  send(bytes: Uint8Array): void;
  ack(bytes: number): void;
}

export class RfbChannel {
  binaryType = 'arraybuffer';
  readonly protocol = '';
  readyState: 'open' | 'closed' = 'open';
  onopen: ((e: Event) => void) | null = null;
  onmessage: ((e: { data: ArrayBuffer }) => void) | null = null;
  onclose: ((e: { code: number; reason: string; wasClean: boolean }) => void) | null = null;
  onerror: ((e: Event) => void) | null = null;

  constructor(
    readonly generation: number,
    private readonly io: RfbChannelIo,
  ) {}

  send(data: ArrayBuffer | ArrayBufferView): void {
    if (this.readyState !== 'open') return;
    const view = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    this.io.send(view.slice()); // noVNC reuses its send buffer
  }

  /** Bytes from the display server. */
  receive(bytes: Uint8Array): void {
    if (this.readyState !== 'open') return;
    const copy = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
    this.onmessage?.({ data: copy as ArrayBuffer });
    this.io.ack(bytes.byteLength);
  }

  /** The server side ended (closed or replaced by a new generation). */
  end(reason = 'display disconnected'): void {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    this.onclose?.({ code: 1000, reason, wasClean: true });
  }

  /**
   * The viewer (noVNC's disconnect) closes it. Like a real WebSocket, the close event comes later, not inside
   * this call: noVNC arms its disconnect timer after asking to close and disarms it on that event.
   */
  close(): void {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    setTimeout(() => this.onclose?.({ code: 1000, reason: 'closed by the viewer', wasClean: true }), 0);
  }
}
