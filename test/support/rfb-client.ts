/**
 * A plain RFB 3.8 client for tests (no vmdeck code): handshake (security None), shared ClientInit,
 * 32-bit true colour, Raw encoding only, full and incremental framebuffer updates, key events.
 * Runs over any byte duplex (a net.Socket, or the displays.* contract).
 */
export interface Duplex {
  write(data: Uint8Array): void;
  onData(listener: (chunk: Uint8Array) => void): void;
}

export interface Framebuffer {
  width: number;
  height: number;
  name: string;
  /** BGRX pixels, width*height*4. */
  pixels: Uint8Array;
}

export class RfbClient {
  private buf = new Uint8Array(0);
  private waiters: (() => void)[] = [];
  fb: Framebuffer | undefined;
  serverVersion = '';

  constructor(private readonly io: Duplex) {
    io.onData((chunk) => {
      const next = new Uint8Array(this.buf.length + chunk.length);
      next.set(this.buf);
      next.set(chunk, this.buf.length);
      this.buf = next;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  private async read(n: number, timeoutMs = 20_000): Promise<Uint8Array> {
    const deadline = Date.now() + timeoutMs;
    while (this.buf.length < n) {
      if (Date.now() > deadline) throw new Error(`RFB: timed out waiting for ${n} bytes (have ${this.buf.length})`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 200);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    const out = this.buf.slice(0, n);
    this.buf = this.buf.slice(n);
    return out;
  }

  private async u8(): Promise<number> {
    return (await this.read(1))[0]!;
  }
  private async u16(): Promise<number> {
    const b = await this.read(2);
    return (b[0]! << 8) | b[1]!;
  }
  private async u32(): Promise<number> {
    const b = await this.read(4);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0);
  }

  /** Handshake through ServerInit; returns the framebuffer size. */
  async handshake(): Promise<{ width: number; height: number; name: string }> {
    this.serverVersion = new TextDecoder().decode(await this.read(12));
    if (!/^RFB \d{3}\.\d{3}\n$/.test(this.serverVersion)) throw new Error(`RFB: bad version ${JSON.stringify(this.serverVersion)}`);
    this.io.write(new TextEncoder().encode('RFB 003.008\n'));
    const n = await this.u8();
    if (n === 0) throw new Error('RFB: server refused the connection');
    const types = await this.read(n);
    if (!types.includes(1)) throw new Error(`RFB: no "None" security (offered ${[...types].join(',')})`);
    this.io.write(Uint8Array.of(1));
    if ((await this.u32()) !== 0) throw new Error('RFB: security failed');
    this.io.write(Uint8Array.of(1)); // shared
    const width = await this.u16();
    const height = await this.u16();
    await this.read(16); // server pixel format
    const name = new TextDecoder().decode(await this.read(await this.u32()));
    // SetPixelFormat: 32 bpp, depth 24, little endian, true colour, max 255, shifts 16/8/0
    this.io.write(Uint8Array.of(0, 0, 0, 0, 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0));
    // SetEncodings: Raw only
    this.io.write(Uint8Array.of(2, 0, 0, 1, 0, 0, 0, 0));
    this.fb = { width, height, name, pixels: new Uint8Array(width * height * 4) };
    return { width, height, name };
  }

  /** Requests an update and applies it; returns the number of rectangles. */
  async update(incremental: boolean, timeoutMs = 20_000): Promise<number> {
    const fb = this.fb!;
    this.io.write(Uint8Array.of(3, incremental ? 1 : 0, 0, 0, 0, 0, fb.width >> 8, fb.width & 255, fb.height >> 8, fb.height & 255));
    for (;;) {
      const type = (await this.read(1, timeoutMs))[0]!;
      if (type === 0) break;
      if (type === 2) continue; // bell
      if (type === 3) {
        await this.read(3);
        await this.read(await this.u32());
        continue;
      }
      throw new Error(`RFB: unexpected server message ${type}`);
    }
    await this.u8();
    const rects = await this.u16();
    for (let i = 0; i < rects; i++) {
      const x = await this.u16();
      const y = await this.u16();
      const w = await this.u16();
      const h = await this.u16();
      const enc = await this.u32();
      if (enc === 0xffffff21 /* DesktopSize */ || enc === (-223 >>> 0)) {
        this.fb = { ...fb, width: w, height: h, pixels: new Uint8Array(w * h * 4) };
        continue;
      }
      if (enc !== 0) throw new Error(`RFB: unexpected encoding ${enc}`);
      const data = await this.read(w * h * 4, timeoutMs);
      const cur = this.fb!;
      for (let row = 0; row < h; row++) cur.pixels.set(data.subarray(row * w * 4, (row + 1) * w * 4), ((y + row) * cur.width + x) * 4);
    }
    return rects;
  }

  /** Distinct colours on screen (a uniform screen has 1). */
  colours(): number {
    const p = this.fb!.pixels;
    const set = new Set<number>();
    for (let i = 0; i < p.length; i += 4) set.add((p[i]! << 16) | (p[i + 1]! << 8) | p[i + 2]!);
    return set.size;
  }

  snapshot(): Uint8Array {
    return this.fb!.pixels.slice();
  }

  key(keysym: number, down: boolean): void {
    this.io.write(Uint8Array.of(4, down ? 1 : 0, 0, 0, (keysym >>> 24) & 255, (keysym >>> 16) & 255, (keysym >>> 8) & 255, keysym & 255));
  }

  /** Types ASCII text (with Shift where a US keyboard needs it); "\n" is Return. */
  async type(text: string, delayMs = 30): Promise<void> {
    const SHIFTED = '~!@#$%^&*()_+{}|:"<>?ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    for (const ch of text) {
      const sym = ch === '\n' ? 0xff0d : ch.charCodeAt(0);
      const shift = SHIFTED.includes(ch);
      if (shift) this.key(0xffe1, true);
      this.key(sym, true);
      this.key(sym, false);
      if (shift) this.key(0xffe1, false);
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
}

export function differs(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i += 4) if (a[i] !== b[i] || a[i + 1] !== b[i + 1] || a[i + 2] !== b[i + 2]) n++;
  return n;
}
