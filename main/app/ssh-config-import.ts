/** Host candidates from an OpenSSH client config, for the "import hosts" dialog. */
import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { SshConfigCandidate } from '../core/contract';
import { VmdeckError } from '../core/errors';
import { listHostCandidates } from '../transport/ssh-config';
import { systemSshConfigEnvironment } from '../transport/ssh-config-environment';

/**
 * The hosts `path` declares (default: ~/.ssh/config). A file that does not exist is NOT_FOUND ("file not
 * found"), never an empty list: "no hosts in this file" is for a file that exists and declares none.
 */
export function listSshConfigCandidates(path: string | undefined, home: string = homedir()): SshConfigCandidate[] {
  const file = path ?? join(home, '.ssh', 'config');
  const onDisk = file === '~' ? home : file.startsWith('~/') ? join(home, file.slice(2)) : file;
  let isFile = false;
  try {
    isFile = statSync(onDisk).isFile();
  } catch {
    throw new VmdeckError('NOT_FOUND', `file not found: ${file}`, { notes: [onDisk] });
  }
  if (!isFile) throw new VmdeckError('INVALID_ARGUMENT', `not a file: ${file}`, { notes: [onDisk] });
  return listHostCandidates(systemSshConfigEnvironment({ homeDir: home }), file);
}
