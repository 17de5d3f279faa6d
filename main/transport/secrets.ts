/**
 * Remembered secrets (passwords the user asked to keep). Electron implements this with safeStorage;
 * browser mode and the CLI have none, so the transport must work without one.
 */
export interface SecretStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/** The key under which a host's password is remembered. */
export function passwordSecretKey(user: string, host: string, port: number): string {
  return `ssh-password:${user}@${host}:${port}`;
}

/** In memory only; for tests and for the app's lifetime caches. */
export class MemorySecretStore implements SecretStore {
  private readonly map = new Map<string, string>();
  async get(key: string): Promise<string | undefined> {
    return this.map.get(key);
  }
  async set(key: string, value: string): Promise<void> {
    this.map.set(key, value);
  }
  async delete(key: string): Promise<void> {
    this.map.delete(key);
  }
}
