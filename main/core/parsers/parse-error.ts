/**
 * Shared helpers for the output parsers: every parser reports malformed or truncated input as
 * VmdeckError('PARSE_ERROR') carrying a short excerpt of the offending text, never a crash.
 */
import { VmdeckError } from '../errors';

const EXCERPT_CHARS = 240;

/** A short, single-paragraph excerpt of `text` around `at` (default: the start), for error details. */
export function excerpt(text: string, at = 0): string {
  const start = Math.max(0, Math.min(at, text.length) - EXCERPT_CHARS / 4);
  const slice = text.slice(start, start + EXCERPT_CHARS);
  return (start > 0 ? '…' : '') + slice + (start + EXCERPT_CHARS < text.length ? '…' : '');
}

export function parseError(what: string, problem: string, input: string, at = 0): VmdeckError {
  return new VmdeckError('PARSE_ERROR', `Could not parse ${what}: ${problem}`, {
    notes: [problem],
    excerpt: excerpt(input, at),
  });
}

/** Splits command output into lines without the trailing empty line; tolerates CRLF from PTYs. */
export function lines(text: string): string[] {
  const out = text.replace(/\r\n/g, '\n').split('\n');
  if (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}
