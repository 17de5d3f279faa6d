/**
 * Remembered secrets on Electron's safeStorage (the OS keyring: libsecret, KWallet, Keychain, DPAPI).
 * Values are stored only as base64 ciphertext in a JSON file in userData, never as clear text. When
 * safeStorage has no real backend (Linux without a keyring falls back to 'basic_text', a hard-coded
 * key) the store refuses to remember anything: `set` throws UNSUPPORTED and `usable()` is false.
 */
import { readFile, mkdir, rename, writeFile, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { safeStorage as electronSafeStorage } from 'electron';
import { VmdeckError } from '../core/errors';
import type { SecretStore } from '../transport/secrets';

/** The parts of Electron's safeStorage used here. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  getSelectedStorageBackend?: () => string;
}

interface SecretsFile {
  version: 1;
  /** key -> base64 of safeStorage ciphertext */
  entries: Record<string, string>;
}

/** Whether safeStorage protects secrets with a real key (call after app 'ready'). */
export function safeStorageUsable(storage: SafeStorageLike = electronSafeStorage): boolean {
  if (!storage.isEncryptionAvailable()) return false;
  const backend = storage.getSelectedStorageBackend?.();
  return backend !== 'basic_text';
}

export class SafeStorageSecretStore implements SecretStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly storage: SafeStorageLike = electronSafeStorage,
  ) {}

  usable(): boolean {
    return safeStorageUsable(this.storage);
  }

  async get(key: string): Promise<string | undefined> {
    await this.queue.catch(() => undefined);
    const data = await this.read();
    const value = data.entries[key];
    if (value === undefined || !this.storage.isEncryptionAvailable()) return undefined;
    try {
      return this.storage.decryptString(Buffer.from(value, 'base64'));
    } catch {
      // The keyring changed (another user, a reset wallet): treat as not remembered.
      return undefined;
    }
  }

  set(key: string, value: string): Promise<void> {
    return this.serial(async () => {
      if (!this.storage.isEncryptionAvailable()) {
        throw new VmdeckError('UNSUPPORTED', 'secrets cannot be remembered: no encryption is available');
      }
      if (this.storage.getSelectedStorageBackend?.() === 'basic_text') {
        throw new VmdeckError('UNSUPPORTED', 'secrets cannot be remembered: no keyring (libsecret or KWallet) is available', {
          notes: ['safeStorage would fall back to a hard-coded key (basic_text), which is not a protection'],
        });
      }
      const cipher = this.storage.encryptString(value);
      const data = await this.read();
      data.entries[key] = Buffer.from(cipher).toString('base64');
      await this.write(data);
    });
  }

  delete(key: string): Promise<void> {
    return this.serial(async () => {
      const data = await this.read();
      if (!(key in data.entries)) return;
      delete data.entries[key];
      if (Object.keys(data.entries).length === 0) await unlink(this.file).catch(() => undefined);
      else await this.write(data);
    });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.catch(() => undefined).then(fn);
    this.queue = run;
    return run;
  }

  private async read(): Promise<SecretsFile> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch {
      return { version: 1, entries: {} };
    }
    try {
      const raw = JSON.parse(text) as Partial<SecretsFile>;
      const entries: Record<string, string> = {};
      if (raw && typeof raw.entries === 'object' && raw.entries !== null) {
        for (const [k, v] of Object.entries(raw.entries)) if (typeof v === 'string') entries[k] = v;
      }
      return { version: 1, entries };
    } catch {
      return { version: 1, entries: {} };
    }
  }

  private async write(data: SecretsFile): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(data, null, 2) + '\n', { mode: 0o600 });
    await rename(tmp, this.file);
  }
}
