/**
 * The CLI's answers to connection prompts: asked on the user's terminal when there is one; without a TTY
 * every prompt is declined, so the command fails with the error's code instead of hanging.
 */
import { createInterface } from 'node:readline/promises';
import type { PromptAnswer } from '../core/contract';
import { terminalSafe } from '../core/terminal-safe';
import type { PromptBroker, PromptRequest } from '../transport/prompts';

export function createTerminalPromptBroker(input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr): PromptBroker {
  const interactive = Boolean(input.isTTY && output.isTTY);
  return {
    async ask(prompt: PromptRequest): Promise<PromptAnswer> {
      if (!interactive) return { accept: false };
      // Titles, messages and field labels carry host-sent text (keyboard-interactive name, instruction, prompts).
      output.write(`\n${terminalSafe(prompt.title)}\n${terminalSafe(prompt.message, { multiline: true })}\n`);
      if (prompt.fingerprint) output.write(`  ${terminalSafe(prompt.keyType ?? 'key')} fingerprint: ${terminalSafe(prompt.fingerprint)}\n`);
      if (prompt.expectedFingerprint) output.write(`  known fingerprint:  ${terminalSafe(prompt.expectedFingerprint)}\n`);
      if (prompt.kind === 'host-key-unknown' || prompt.kind === 'host-key-mismatch') {
        const rl = createInterface({ input, output });
        const yes = (await rl.question(prompt.kind === 'host-key-mismatch' ? 'Type "replace" to replace the stored key: ' : 'Trust this host key? [y/N] ')).trim();
        rl.close();
        return prompt.kind === 'host-key-mismatch' ? { accept: yes === 'replace', replace: yes === 'replace' } : { accept: /^y(es)?$/i.test(yes) };
      }
      const values: string[] = [];
      for (const field of prompt.fields ?? [{ label: 'Password', secret: true }]) values.push(await readLine(input, output, `${terminalSafe(field.label.trim())} `, field.secret));
      return { accept: true, values };
    },
  };
}

/** Reads one line; secret fields are not echoed. */
async function readLine(input: NodeJS.ReadStream, output: NodeJS.WriteStream, label: string, secret: boolean): Promise<string> {
  output.write(label);
  if (!secret) {
    const rl = createInterface({ input, output, terminal: false });
    const line = await new Promise<string>((resolve) => rl.once('line', resolve));
    rl.close();
    return line;
  }
  return new Promise<string>((resolve) => {
    const wasRaw = input.isRaw;
    input.setRawMode(true);
    input.resume();
    let value = '';
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          input.off('data', onData);
          input.setRawMode(wasRaw);
          input.pause();
          output.write('\n');
          resolve(value);
          return;
        }
        if (ch === '\u0003') process.exit(130);
        if (ch === '\u007f') value = value.slice(0, -1);
        else value += ch;
      }
    };
    input.on('data', onData);
  });
}
