import { DEFAULT_SETTINGS as CONTRACT_DEFAULT_SETTINGS, type Settings } from '../../../../main/core/contract';

/** Renderer-only preferences, kept in localStorage (nothing secret). */
export interface LocalPrefs {
  /** "Paste as keystrokes": characters per chunk and delay between chunks (serial lines drop bytes). */
  pasteChunkChars: number;
  pasteChunkDelayMs: number;
  /** Height share of the guest list vs. the lower (details + consoles) area, 0..1. */
  listFraction: number;
  /** Width share of details vs. consoles in the lower area, 0..1. */
  detailsFraction: number;
  activityOpen: boolean;
  groupByHost: boolean;
}

export const DEFAULT_PREFS: LocalPrefs = {
  pasteChunkChars: 16,
  pasteChunkDelayMs: 20,
  listFraction: 0.5,
  detailsFraction: 0.42,
  activityOpen: false,
  groupByHost: false,
};

/** One set of defaults for main and renderer (main/core/contract.ts). */
export const DEFAULT_SETTINGS: Settings = { ...CONTRACT_DEFAULT_SETTINGS };

const PREFS_KEY = 'vmdeck.prefs.v1';

export class SettingsState {
  /** The backend's settings; defaults until `settings.get()` answers. */
  values = $state.raw<Settings>(DEFAULT_SETTINGS);
  loaded = $state(false);
  prefs = $state.raw<LocalPrefs>(DEFAULT_PREFS);

  readonly #storage: Pick<Storage, 'getItem' | 'setItem'> | null;

  constructor(storage: Pick<Storage, 'getItem' | 'setItem'> | null = null) {
    this.#storage = storage;
    if (storage) {
      try {
        const raw = storage.getItem(PREFS_KEY);
        if (raw) this.prefs = sanitizePrefs(JSON.parse(raw));
      } catch {
        /* corrupted prefs: keep defaults */
      }
    }
  }

  set(values: Settings): void {
    this.values = values;
    this.loaded = true;
  }

  setPrefs(patch: Partial<LocalPrefs>): void {
    this.prefs = sanitizePrefs({ ...this.prefs, ...patch });
    try {
      this.#storage?.setItem(PREFS_KEY, JSON.stringify(this.prefs));
    } catch {
      /* storage full or unavailable: prefs stay in memory */
    }
  }
}

const clamp = (v: unknown, lo: number, hi: number, dflt: number): number =>
  typeof v === 'number' && Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : dflt;

export function sanitizePrefs(v: unknown): LocalPrefs {
  const o = (typeof v === 'object' && v !== null ? v : {}) as Partial<Record<keyof LocalPrefs, unknown>>;
  return {
    pasteChunkChars: Math.round(clamp(o.pasteChunkChars, 1, 4096, DEFAULT_PREFS.pasteChunkChars)),
    pasteChunkDelayMs: Math.round(clamp(o.pasteChunkDelayMs, 0, 2000, DEFAULT_PREFS.pasteChunkDelayMs)),
    listFraction: clamp(o.listFraction, 0.15, 0.85, DEFAULT_PREFS.listFraction),
    detailsFraction: clamp(o.detailsFraction, 0.2, 0.8, DEFAULT_PREFS.detailsFraction),
    activityOpen: typeof o.activityOpen === 'boolean' ? o.activityOpen : DEFAULT_PREFS.activityOpen,
    groupByHost: typeof o.groupByHost === 'boolean' ? o.groupByHost : DEFAULT_PREFS.groupByHost,
  };
}
