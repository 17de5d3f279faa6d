/**
 * "Paste as keystrokes": serial consoles (and getty line disciplines) drop characters when a paste
 * arrives faster than the line drains, so text is sent in small chunks with a pause between them.
 * Newlines become carriage returns, as a user pressing Enter would send.
 */
export function toKeystrokes(text: string): string {
  return text.replace(/\r\n/g, '\r').replace(/\n/g, '\r');
}

/** Splits into chunks of at most `size` UTF-16 code units without splitting surrogate pairs. */
export function chunkText(text: string, size: number): string[] {
  const n = Math.max(1, Math.floor(size));
  const out: string[] = [];
  let cur = '';
  let len = 0;
  for (const ch of text) {
    if (len + ch.length > n && len > 0) {
      out.push(cur);
      cur = '';
      len = 0;
    }
    cur += ch;
    len += ch.length;
  }
  if (len > 0) out.push(cur);
  return out;
}

export function estimateMs(text: string, size: number, delayMs: number): number {
  const chunks = chunkText(text, size).length;
  return Math.max(0, chunks - 1) * delayMs;
}

export interface TypeOptions {
  chunkChars: number;
  delayMs: number;
  signal?: AbortSignal;
  onProgress?: (sent: number, total: number) => void;
  sleep?: (ms: number) => Promise<void>;
}

/** Sends `text` through `send` chunk by chunk; stops early (without error) when aborted. */
export async function typeText(text: string, send: (chunk: string) => Promise<void> | void, o: TypeOptions): Promise<number> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const chunks = chunkText(toKeystrokes(text), o.chunkChars);
  const total = chunks.reduce((n, c) => n + c.length, 0);
  let sent = 0;
  for (let i = 0; i < chunks.length; i++) {
    if (o.signal?.aborted) break;
    if (i > 0 && o.delayMs > 0) await sleep(o.delayMs);
    if (o.signal?.aborted) break;
    await send(chunks[i]!);
    sent += chunks[i]!.length;
    o.onProgress?.(sent, total);
  }
  return sent;
}

/** The command "Set guest terminal size" types, so full-screen programs on a serial line use the right size. */
export function sttyCommand(rows: number, cols: number): string {
  return `stty rows ${Math.floor(rows)} cols ${Math.floor(cols)}\r`;
}
