import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => (await import('./electron-fake')).electronModule());

import { SafeStorageSecretStore, safeStorageUsable } from '../../../main/electron/safe-storage-secrets';
import { makeSafeStorage } from './electron-fake';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vmdeck-secrets-'));
  file = join(dir, 'secrets.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const exists = (p: string) => stat(p).then(() => true, () => false);
const SECRET = 'correct horse battery staple';

describe('safeStorage secret store', () => {
  it('refuses to store when safeStorage falls back to basic_text, and writes nothing', async () => {
    const storage = makeSafeStorage();
    storage.backend = 'basic_text';
    const store = new SafeStorageSecretStore(file, storage);
    expect(store.usable()).toBe(false);
    await expect(store.set('ssh-password:root@h:22', SECRET)).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    expect(await exists(file)).toBe(false);
  });

  it('refuses to store when encryption is unavailable', async () => {
    const storage = makeSafeStorage();
    storage.available = false;
    const store = new SafeStorageSecretStore(file, storage);
    expect(safeStorageUsable(storage)).toBe(false);
    await expect(store.set('k', SECRET)).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    expect(await exists(file)).toBe(false);
  });

  it('persists base64 ciphertext only: never the clear text', async () => {
    const storage = makeSafeStorage();
    const store = new SafeStorageSecretStore(file, storage);
    expect(store.usable()).toBe(true);
    await store.set('ssh-password:root@h:22', SECRET);
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(Buffer.from(SECRET).toString('base64'));
    const stored = (JSON.parse(text) as { entries: Record<string, string> }).entries['ssh-password:root@h:22']!;
    expect(stored).not.toBe(SECRET);
    expect(Buffer.from(stored, 'base64').equals(storage.encryptString(SECRET))).toBe(true);
    expect((await stat(file)).mode & 0o077).toBe(0);
    // A fresh store (next run) decrypts it.
    expect(await new SafeStorageSecretStore(file, storage).get('ssh-password:root@h:22')).toBe(SECRET);
  });

  it('gets undefined for unknown keys and after delete; survives a corrupt file', async () => {
    const store = new SafeStorageSecretStore(file, makeSafeStorage());
    expect(await store.get('nope')).toBeUndefined();
    await store.set('a', '1');
    await store.set('b', '2');
    await store.delete('a');
    expect(await store.get('a')).toBeUndefined();
    expect(await store.get('b')).toBe('2');
    await store.delete('b');
    expect(await exists(file)).toBe(false);
    await writeFile(file, '{not json');
    expect(await store.get('a')).toBeUndefined();
    await store.set('a', '3');
    expect(await store.get('a')).toBe('3');
  });

  it('treats undecryptable entries as not remembered', async () => {
    const storage = makeSafeStorage();
    const store = new SafeStorageSecretStore(file, storage);
    await store.set('k', 'v');
    storage.decryptString = () => {
      throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
    };
    expect(await store.get('k')).toBeUndefined();
  });

  it('serialises concurrent writes', async () => {
    const store = new SafeStorageSecretStore(file, makeSafeStorage());
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.set(`k${i}`, `v${i}`)));
    for (let i = 0; i < 20; i++) expect(await store.get(`k${i}`)).toBe(`v${i}`);
  });
});
