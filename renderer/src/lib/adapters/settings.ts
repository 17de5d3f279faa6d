import type { VmdeckApi } from '../../../../main/core/contract';
import type { SettingsState } from '../state/settings.svelte';

export function bindSettings(api: VmdeckApi, settings: SettingsState, onError: (e: unknown) => void): () => void {
  const off = api.on('settings.changed', (s) => settings.set(s));
  api['settings.get']().then((s) => settings.set(s), onError);
  return off;
}
