/**
 * Collects a command's stdout and stderr with a shared byte cap. Decoding happens once at the end so a
 * multi-byte UTF-8 character split across chunks stays intact.
 */
export class OutputCollector {
  private readonly out: Buffer[] = [];
  private readonly err: Buffer[] = [];
  private total = 0;

  constructor(private readonly maxBytes: number) {}

  /** False once the cap is exceeded (the caller then aborts the command). */
  addStdout(chunk: Buffer): boolean {
    return this.add(this.out, chunk);
  }
  addStderr(chunk: Buffer): boolean {
    return this.add(this.err, chunk);
  }

  get bytes(): number {
    return this.total;
  }

  stdout(): string {
    return Buffer.concat(this.out).toString('utf8');
  }
  stderr(): string {
    return Buffer.concat(this.err).toString('utf8');
  }

  private add(into: Buffer[], chunk: Buffer): boolean {
    this.total += chunk.length;
    if (this.total > this.maxBytes) return false;
    into.push(chunk);
    return true;
  }
}

const STDERR_DETAIL_LIMIT = 4096;

/** Stderr for error details: at most a few KiB, keeping the end (where the error usually is). */
export function truncateForDetails(text: string, limit = STDERR_DETAIL_LIMIT): string {
  if (text.length <= limit) return text;
  return `[${text.length - limit} characters truncated]\n${text.slice(-limit)}`;
}
