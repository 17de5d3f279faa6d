// One settings default for main and renderer: the store and the renderer's placeholder agree, and the
// defaults pass the contract's own schema.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, SettingsSchema } from '../../../main/core/contract';
import { SettingsStore } from '../../../main/services/settings-store';
import { SettingsState } from '../../../renderer/src/lib/state/settings.svelte';

describe('DEFAULT_SETTINGS', () => {
  it('is valid, and is what a fresh store and the renderer start from', () => {
    expect(SettingsSchema.parse(DEFAULT_SETTINGS)).toEqual(DEFAULT_SETTINGS);
    const store = new SettingsStore(mkdtempSync(join(tmpdir(), 'vmdeck-settings-')));
    expect(store.get()).toEqual(DEFAULT_SETTINGS);
    expect(new SettingsState().values).toEqual(DEFAULT_SETTINGS);
  });
});
