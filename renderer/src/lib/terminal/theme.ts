import type { ITheme } from '@xterm/xterm';

/** Reads the terminal palette from CSS variables so the terminal follows the app theme. */
export function terminalTheme(el: Element = document.documentElement): ITheme {
  const cs = getComputedStyle(el);
  const v = (name: string, fallback: string) => cs.getPropertyValue(name).trim() || fallback;
  return {
    background: v('--term-bg', '#1e1e1e'),
    foreground: v('--term-fg', '#d4d4d4'),
    cursor: v('--term-cursor', '#d4d4d4'),
    cursorAccent: v('--term-bg', '#1e1e1e'),
    selectionBackground: v('--term-selection', '#264f78'),
    black: v('--ansi-black', '#000000'),
    red: v('--ansi-red', '#cd3131'),
    green: v('--ansi-green', '#0dbc79'),
    yellow: v('--ansi-yellow', '#e5e510'),
    blue: v('--ansi-blue', '#2472c8'),
    magenta: v('--ansi-magenta', '#bc3fbc'),
    cyan: v('--ansi-cyan', '#11a8cd'),
    white: v('--ansi-white', '#e5e5e5'),
    brightBlack: v('--ansi-bright-black', '#666666'),
    brightRed: v('--ansi-bright-red', '#f14c4c'),
    brightGreen: v('--ansi-bright-green', '#23d18b'),
    brightYellow: v('--ansi-bright-yellow', '#f5f543'),
    brightBlue: v('--ansi-bright-blue', '#3b8eea'),
    brightMagenta: v('--ansi-bright-magenta', '#d670d6'),
    brightCyan: v('--ansi-bright-cyan', '#29b8db'),
    brightWhite: v('--ansi-bright-white', '#e5e5e5'),
  };
}
