/**
 * The OpenSSH client configuration environment of this machine: the user's ~/.ssh/config then the system
 * /etc/ssh/ssh_config, the local user and host name, and the process environment (SSH_AUTH_SOCK).
 * Everything can be overridden (tests point the home directory elsewhere).
 */
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import type { SshConfigEnvironment, SshConfigFile } from './ssh-config';

export interface SystemSshConfigOptions {
  homeDir: string;
  env?: Readonly<Record<string, string | undefined>>;
  localUser?: string;
  localHostname?: string;
  /** Default true: read /etc/ssh/ssh_config after the user's file. */
  includeSystemConfig?: boolean;
  systemConfigDir?: string;
}

export function systemSshConfigEnvironment(options: SystemSshConfigOptions): SshConfigEnvironment {
  const systemDir = options.systemConfigDir ?? '/etc/ssh';
  const files: SshConfigFile[] = [{ path: join(options.homeDir, '.ssh', 'config') }];
  if (options.includeSystemConfig !== false) files.push({ path: join(systemDir, 'ssh_config'), system: true });
  return {
    homeDir: options.homeDir,
    localUser: options.localUser ?? safeUserName(),
    localHostname: options.localHostname ?? hostname(),
    env: options.env ?? process.env,
    files,
    systemConfigDir: systemDir,
  };
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'root';
  }
}
