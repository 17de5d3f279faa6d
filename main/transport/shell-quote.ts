/**
 * Quoting an argument vector for a remote POSIX shell. Every argument becomes one single-quoted word, so
 * nothing inside it is interpreted: no expansion, no globbing, no command substitution.
 */
import { VmdeckError } from '../core/errors';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** One argument as a single shell word: `'...'` with each `'` written as `'\''`. */
export function quoteArg(arg: string): string {
  if (typeof arg !== 'string') throw new VmdeckError('INVALID_ARGUMENT', 'command arguments must be strings');
  if (arg.includes('\0')) throw new VmdeckError('INVALID_ARGUMENT', 'a command argument contains a NUL byte');
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

export interface QuoteOptions {
  /** Prefixed as `env NAME=value ...`; names must be valid shell variable names. */
  env?: Readonly<Record<string, string>>;
}

/** The whole command line for `exec`: the env prefix (if any) then every argument quoted. */
export function quoteCommand(argv: readonly string[], options: QuoteOptions = {}): string {
  if (argv.length === 0) throw new VmdeckError('INVALID_ARGUMENT', 'empty command');
  const words: string[] = [];
  const env = options.env ?? {};
  const names = Object.keys(env);
  if (names.length > 0) {
    words.push('env');
    for (const name of names) {
      if (!ENV_NAME.test(name)) throw new VmdeckError('INVALID_ARGUMENT', `invalid environment variable name: ${JSON.stringify(name)}`);
      words.push(quoteArg(`${name}=${env[name] ?? ''}`));
    }
  }
  for (const arg of argv) words.push(quoteArg(arg));
  return words.join(' ');
}
