/** Where vmdeck keeps its files: the XDG config directory on Linux (the same folder Electron's userData uses). */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultConfigDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  if (env.VMDECK_CONFIG_DIR) return env.VMDECK_CONFIG_DIR;
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(home, '.config');
  return join(base, 'vmdeck');
}
