import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../../main/core/errors';
import { classifyFailure, xlStderrReportsError } from '../../../main/core/parsers';
import { fixture, xlManifest } from './fixtures';

/** What each failure of the xl reference must mean to vmdeck. Every err-* sample of the manifest is listed. */
const EXPECTED: Readonly<Record<string, ErrorCode>> = {
  'err-bad-option.stderr.txt': 'UNSUPPORTED',
  'err-block-list-invalid-name.stderr.txt': 'NOT_FOUND',
  'err-console-already-attached.stderr.txt': 'INVALID_STATE',
  'err-console-bad-type.stderr.txt': 'INVALID_ARGUMENT',
  'err-console-dom0.stderr.txt': 'UNSUPPORTED',
  'err-console-no-tty.stderr.txt': 'NOT_FOUND',
  'err-create-bad-disk-spec.stderr.txt': 'CONFIG_ERROR',
  'err-create-bad-type.stderr.txt': 'CONFIG_ERROR',
  'err-create-config-syntax.stderr.txt': 'CONFIG_ERROR',
  'err-create-duplicate-name.stderr.txt': 'ALREADY_EXISTS',
  'err-create-missing-config.stderr.txt': 'NOT_FOUND',
  'err-create-no-kernel.stderr.txt': 'CONFIG_ERROR',
  'err-create-no-name.stderr.txt': 'CONFIG_ERROR',
  'err-destroy-domain0.stderr.txt': 'UNSUPPORTED',
  'err-destroy-nonexistent-domid.stderr.txt': 'NOT_FOUND',
  'err-domid-unknown.stderr.txt': 'NOT_FOUND',
  'err-invalid-domain-name.stderr.txt': 'NOT_FOUND',
  'err-list-nonexistent-domid.stderr.txt': 'NOT_FOUND',
  'err-mem-set-bad-size.stderr.txt': 'INVALID_ARGUMENT',
  'err-mem-set-over-static-max.stderr.txt': 'INVALID_ARGUMENT',
  'err-not-root.stderr.txt': 'PERMISSION_DENIED',
  'err-pause-missing-arg.stderr.txt': 'INVALID_ARGUMENT',
  'err-pause-nonexistent-domid.stderr.txt': 'NOT_FOUND',
  'err-reboot-hvm-no-pv-drivers.stderr.txt': 'UNSUPPORTED',
  'err-rename-missing-arg.stderr.txt': 'INVALID_ARGUMENT',
  'err-rename-name-taken.stderr.txt': 'ALREADY_EXISTS',
  'err-shutdown-hvm-no-pv-drivers.stderr.txt': 'UNSUPPORTED',
  'err-shutdown-no-args.stderr.txt': 'INVALID_ARGUMENT',
  'err-shutdown-paused-timeout.stderr.txt': 'TIMEOUT',
  'err-unknown-command.stderr.txt': 'UNSUPPORTED',
  'err-unpause-not-paused.stderr.txt': 'INVALID_STATE',
  'err-vcpu-set-over-max.stderr.txt': 'INVALID_ARGUMENT',
  'err-vcpu-set-overcommit.stderr.txt': 'INVALID_ARGUMENT',
};

const failures = xlManifest().filter((e) => e.stderr?.startsWith('err-'));

describe('xl failures of the reference map to error codes', () => {
  it('covers every err-* sample of the manifest', () => {
    expect(new Set(failures.map((e) => e.stderr))).toEqual(new Set(Object.keys(EXPECTED)));
  });

  it.each(failures.map((e) => [e.command, e] as const))('%s', (_command, entry) => {
    const stderr = fixture(`xl/${entry.stderr}`);
    const argv = entry.command.split(' (')[0]!.trim().split(/\s+/);
    // Commands that exit 0 despite failing (pause, unpause, block-list) are recognised by their stderr.
    if (entry.exit === 0) expect(xlStderrReportsError(stderr) || /invalid domain identifier/.test(stderr)).toBe(true);
    const error = classifyFailure('xl', { argv, stderr, exitCode: entry.exit });
    expect(error.code).toBe(EXPECTED[entry.stderr!]);
    expect(error.details?.stderr).toBe(stderr);
    expect(error.details?.exitCode).toBe(entry.exit);
    expect(error.message.length).toBeGreaterThan(5);
  });

  it('successful commands with progress on stderr do not count as errors', () => {
    for (const e of xlManifest().filter((x) => x.exit === 0 && x.stderr !== null && !x.stderr.startsWith('err-'))) {
      expect(xlStderrReportsError(fixture(`xl/${e.stderr}`)), e.command).toBe(false);
    }
  });

  it('a missing xl (exit 127) is UNSUPPORTED', () => {
    expect(classifyFailure('xl', { argv: ['xl', 'list'], stderr: 'sh: 1: xl: not found\n', exitCode: 127 }).code).toBe('UNSUPPORTED');
  });

  it('falls back on the libxl rc when no message is known', () => {
    expect(classifyFailure('xl', { argv: ['xl', 'x'], stderr: 'something new (rc=-21)\n', exitCode: 1 }).code).toBe('NOT_FOUND');
    expect(classifyFailure('xl', { argv: ['xl', 'x'], stderr: 'something else\n', exitCode: 1 }).code).toBe('COMMAND_FAILED');
  });
});
