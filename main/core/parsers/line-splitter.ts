/**
 * Cuts a byte stream into complete lines. Keeps the unfinished tail for the next chunk; `flush()` returns it
 * when the stream ends. Shared by every line-oriented event stream (virsh event, xenstore-watch).
 */
export class LineSplitter {
  private tail = '';
  private readonly decoder = new TextDecoder('utf-8');

  push(chunk: Uint8Array | string): string[] {
    const text = this.tail + (typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true }));
    const parts = text.split('\n');
    this.tail = parts.pop() ?? '';
    return parts.map((l) => l.replace(/\r$/, ''));
  }

  flush(): string[] {
    const rest = this.tail + this.decoder.decode();
    this.tail = '';
    return rest === '' ? [] : [rest.replace(/\r$/, '')];
  }
}
