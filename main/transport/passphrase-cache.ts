/**
 * Key passphrases the user typed, kept in memory for the application's lifetime only (never written).
 * Shared by every connection so a key is unlocked once per session.
 */
export class PassphraseCache {
  private readonly map = new Map<string, string>();
  get(keyPath: string): string | undefined {
    return this.map.get(keyPath);
  }
  set(keyPath: string, passphrase: string): void {
    this.map.set(keyPath, passphrase);
  }
  delete(keyPath: string): void {
    this.map.delete(keyPath);
  }
  clear(): void {
    this.map.clear();
  }
}
