/**
 * Runs a toolstack command through the CommandRunner and turns any failure into a classified VmdeckError.
 * Every exit status is accepted by the runner so that the stderr always reaches the classifier.
 * `stderrMeansFailure`: for xl commands that exit 0 even when libxl failed (pause, unpause, trigger), a libxl
 * error line on stderr counts as failure. Not for the others: `xl list -l` logs an error for a domain whose
 * config it cannot read and still prints the rest.
 */
import { classifyFailure, xlStderrReportsError, type Tool } from '../../core/parsers';
import type { CommandRunner, ExecOptions, ExecResult } from '../../core/runner';

const ANY_EXIT_STATUS: readonly number[] = Array.from({ length: 256 }, (_, i) => i);

export interface RunToolOptions extends ExecOptions {
  stderrMeansFailure?: boolean;
}

export async function runTool(runner: CommandRunner, tool: Tool, argv: readonly string[], options: RunToolOptions = {}): Promise<ExecResult> {
  const { stderrMeansFailure, ...execOptions } = options;
  const result = await runner.exec(argv, { ...execOptions, okExitCodes: ANY_EXIT_STATUS });
  const failed = result.exitCode !== 0 || (stderrMeansFailure === true && xlStderrReportsError(result.stderr));
  if (failed) throw classifyFailure(tool, { argv, stderr: result.stderr, stdout: result.stdout, exitCode: result.exitCode });
  return result;
}
