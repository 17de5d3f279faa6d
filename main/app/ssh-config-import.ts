/** Host candidates from an OpenSSH client config, for the "import hosts" dialog. */
import { homedir } from 'node:os';
import type { SshConfigCandidate } from '../core/contract';
import { listHostCandidates } from '../transport/ssh-config';
import { systemSshConfigEnvironment } from '../transport/ssh-config-environment';

/** The same ssh_config environment as the connections (user and system files, the real local user). */
export function listSshConfigCandidates(path: string | undefined, home: string = homedir()): SshConfigCandidate[] {
  return listHostCandidates(systemSshConfigEnvironment({ homeDir: home }), path);
}
