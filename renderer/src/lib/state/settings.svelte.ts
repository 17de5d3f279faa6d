import { DEFAULT_SETTINGS as CONTRACT_DEFAULT_SETTINGS, type Settings } from '../../../../main/core/contract';

export const THEME_PREFS = ['system', 'light', 'dark'] as const;
export type ThemePref = (typeof THEME_PREFS)[number];

export const DEFAULT_CONSOLE_FONT = 'ui-monospace, "JetBrains Mono", "Cascadia Mono", "DejaVu Sans Mono", Menlo, Consolas, monospace';

/**
 * What terminals read to look right: font and a counter that changes with the theme. Module state, so the
 * terminal component reads it without being handed the settings (SettingsState keeps it current).
 */
export const appearance = $state({ fontFamily: DEFAULT_CONSOLE_FONT, fontSize: 13, themeSeq: 0 });

/** Renderer-only preferences, kept in localStorage (nothing secret). */
export interface LocalPrefs {
  /** Colour theme: follow the OS, or fixed. */
  theme: ThemePref;
  /** Console font (a CSS font-family list; empty: the default monospace list) and size in px. */
  consoleFontFamily: string;
  consoleFontSize: number;
  /** The last file the import dialog read (empty: ~/.ssh/config). */
  importPath: string;
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
  theme: 'system',
  consoleFontFamily: '',
  consoleFontSize: 13,
  importPath: '',
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
    syncAppearance(this.prefs);
  }

  set(values: Settings): void {
    this.values = values;
    this.loaded = true;
  }

  setPrefs(patch: Partial<LocalPrefs>): void {
    this.prefs = sanitizePrefs({ ...this.prefs, ...patch });
    syncAppearance(this.prefs);
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
  const font = typeof o.consoleFontFamily === 'string' ? o.consoleFontFamily.trim().slice(0, 300) : DEFAULT_PREFS.consoleFontFamily;
  return {
    theme: (THEME_PREFS as readonly unknown[]).includes(o.theme) ? (o.theme as ThemePref) : DEFAULT_PREFS.theme,
    // A font list is CSS text: nothing that could end the declaration.
    consoleFontFamily: /[;{}<>]/.test(font) ? DEFAULT_PREFS.consoleFontFamily : font,
    consoleFontSize: Math.round(clamp(o.consoleFontSize, 8, 32, DEFAULT_PREFS.consoleFontSize)),
    importPath: typeof o.importPath === 'string' ? o.importPath.slice(0, 4096) : DEFAULT_PREFS.importPath,
    pasteChunkChars: Math.round(clamp(o.pasteChunkChars, 1, 4096, DEFAULT_PREFS.pasteChunkChars)),
    pasteChunkDelayMs: Math.round(clamp(o.pasteChunkDelayMs, 0, 2000, DEFAULT_PREFS.pasteChunkDelayMs)),
    listFraction: clamp(o.listFraction, 0.15, 0.85, DEFAULT_PREFS.listFraction),
    detailsFraction: clamp(o.detailsFraction, 0.2, 0.8, DEFAULT_PREFS.detailsFraction),
    activityOpen: typeof o.activityOpen === 'boolean' ? o.activityOpen : DEFAULT_PREFS.activityOpen,
    groupByHost: typeof o.groupByHost === 'boolean' ? o.groupByHost : DEFAULT_PREFS.groupByHost,
  };
}

function syncAppearance(p: LocalPrefs): void {
  appearance.fontFamily = p.consoleFontFamily || DEFAULT_CONSOLE_FONT;
  appearance.fontSize = p.consoleFontSize;
}

/** The theme stored in prefs, read before the app model exists (so the first paint has the right theme). */
export function storedTheme(storage: Pick<Storage, 'getItem'> | null): ThemePref {
  try {
    const raw = storage?.getItem(PREFS_KEY);
    return raw ? sanitizePrefs(JSON.parse(raw)).theme : DEFAULT_PREFS.theme;
  } catch {
    return DEFAULT_PREFS.theme;
  }
}
