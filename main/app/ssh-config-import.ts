/** Host candidates from an OpenSSH client config, for the "import hosts" dialog. */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { SshConfigCandidate } from '../core/contract';
import { listHostCandidates } from '../transport/ssh-config';

export function listSshConfigCandidates(path: string | undefined, home: string = homedir()): SshConfigCandidate[] {
  return listHostCandidates(path ?? join(home, '.ssh', 'config'), { home });
}
