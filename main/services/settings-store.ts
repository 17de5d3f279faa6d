/** Application settings with defaults, persisted next to the hosts. */
import { join } from 'node:path';
import { DEFAULT_SETTINGS, SettingsSchema, type Settings } from '../core/contract';
import { Emitter, type Event } from '../core/lifecycle';
import { corruptNotice, readJsonFile, writeJsonAtomic, type StoreNotice } from './json-file';

export { DEFAULT_SETTINGS };

export class SettingsStore {
  private value: Settings;
  private readonly path: string;
  private readonly changed = new Emitter<Settings>();
  readonly onDidChange: Event<Settings> = this.changed.event;
  /** Set when the file on disk was corrupt and has been moved aside (never overwritten). */
  readonly notice: StoreNotice | undefined;

  constructor(configDir: string) {
    this.path = join(configDir, 'settings.json');
    const read = readJsonFile(this.path, SettingsSchema.partial());
    this.value = { ...DEFAULT_SETTINGS, ...(read.kind === 'ok' ? read.value : {}) };
    this.notice = corruptNotice(this.path, read, 'the default settings apply.');
  }

  get(): Settings {
    return { ...this.value };
  }

  update(patch: Partial<Settings>): Settings {
    this.value = SettingsSchema.parse({ ...this.value, ...patch });
    writeJsonAtomic(this.path, this.value);
    this.changed.fire(this.get());
    return this.get();
  }
}
