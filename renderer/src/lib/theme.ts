/**
 * The app's theme: `system` follows the OS (prefers-color-scheme, live), `light` and `dark` are fixed. The
 * choice becomes `data-theme` on the root element (app.css keys the dark palette on it); every change bumps
 * `appearance.themeSeq` so terminals re-read their palette from the CSS variables.
 */
import { appearance, type ThemePref } from './state/settings.svelte';

let stopSystem: (() => void) | undefined;

export function resolvedTheme(pref: ThemePref, systemDark: boolean): 'light' | 'dark' {
  return pref === 'system' ? (systemDark ? 'dark' : 'light') : pref;
}

export function applyTheme(pref: ThemePref, root: HTMLElement = document.documentElement): void {
  stopSystem?.();
  stopSystem = undefined;
  const mq = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;
  const set = () => {
    const theme = resolvedTheme(pref, mq?.matches ?? false);
    root.dataset.theme = theme;
    root.dataset.themePref = pref;
    appearance.themeSeq++;
  };
  set();
  if (pref === 'system' && mq) {
    mq.addEventListener('change', set);
    stopSystem = () => mq.removeEventListener('change', set);
  }
}
