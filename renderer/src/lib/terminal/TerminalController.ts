/**
 * Owns one xterm instance and its addons: everything the console pane needs, behind our own API.
 * Only xterm's public API and official addons are used. `dispose()` releases all of it.
 *
 * The console's own guards are addons of their own (./addons, unit-tested with @xterm/headless):
 * ClipboardGuardAddon (OSC 52 swallowed, reported), AppKeysAddon (which keys go to the guest and which to the
 * app), FlowControlAddon (acks once xterm parsed the output) and the safe-link rule for web links and OSC 8
 * hyperlinks (https only, user click only, through the app).
 */
import { Terminal, type IDisposable, type ITheme } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon, type ISearchOptions } from '@xterm/addon-search';
import { SerializeAddon } from '@xterm/addon-serialize';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { WebglAddon } from '@xterm/addon-webgl';
import { AppKeysAddon, type KeyRoute } from './addons/app-keys';
import { ClipboardGuardAddon } from './addons/clipboard-guard';
import { FlowControlAddon } from './addons/flow-control';
import { activateLink, safeLinkHandler } from './addons/safe-links';

export interface TerminalControllerOptions {
  scrollback: number;
  theme: ITheme;
  fontSize?: number;
  /** Keystrokes and xterm's own replies (bracketed paste, mouse reports). */
  onInput(data: string): void;
  onResize(cols: number, rows: number): void;
  /** Bytes of output xterm has finished writing (batched). */
  onAck(bytes: number): void;
  /** https links only; the backend refuses anything else. */
  onOpenLink(url: string): void;
  /** A guest sent OSC 52 (clipboard write); it was not applied. */
  onClipboardBlocked?(): void;
  onSearchResults?(index: number, count: number): void;
  /** Where a key typed into the console goes (see AppKeysAddon); default: the guest. */
  routeKey?(e: KeyboardEvent): KeyRoute;
}

export type RendererKind = 'webgl' | 'dom';

const SEARCH_DECORATIONS: ISearchOptions['decorations'] = {
  matchBackground: '#7a5d00',
  matchBorder: '#c9a100',
  matchOverviewRuler: '#c9a100',
  activeMatchBackground: '#b35c00',
  activeMatchBorder: '#ff9d2e',
  activeMatchColorOverviewRuler: '#ff9d2e',
};

export class TerminalController {
  readonly term: Terminal;
  readonly #fit = new FitAddon();
  readonly #search = new SearchAddon({ highlightLimit: 2000 });
  readonly #serialize = new SerializeAddon();
  #webgl: WebglAddon | null = null;
  #renderer: RendererKind = 'dom';
  readonly #flow: FlowControlAddon;
  readonly #clipboard: ClipboardGuardAddon;
  readonly #keys: AppKeysAddon;
  readonly #disposables: IDisposable[] = [];
  #resizeObserver: ResizeObserver | null = null;
  #lastSize = { cols: 0, rows: 0 };
  #disposed = false;
  readonly #o: TerminalControllerOptions;

  constructor(o: TerminalControllerOptions) {
    this.#o = o;
    this.term = new Terminal({
      scrollback: o.scrollback,
      theme: o.theme,
      fontSize: o.fontSize ?? 13,
      fontFamily: 'ui-monospace, "JetBrains Mono", "Cascadia Mono", "DejaVu Sans Mono", Menlo, Consolas, monospace',
      cursorBlink: true,
      allowProposedApi: true, // unicode11 and search decorations use proposed API
      convertEol: false,
      drawBoldTextInBrightColors: true,
      macOptionIsMeta: true,
      rightClickSelectsWord: true,
      // OSC 8 hyperlinks from guest output: the same rule as web links (xterm's default opens http: too, directly).
      linkHandler: safeLinkHandler((url) => o.onOpenLink(url)),
    });
    this.#flow = new FlowControlAddon((n) => o.onAck(n));
    this.#clipboard = new ClipboardGuardAddon(() => o.onClipboardBlocked?.());
    this.#keys = new AppKeysAddon((e) => o.routeKey?.(e) ?? 'guest');
  }

  get renderer(): RendererKind {
    return this.#renderer;
  }

  get cols(): number {
    return this.term.cols;
  }

  get rows(): number {
    return this.term.rows;
  }

  mount(el: HTMLElement): void {
    const t = this.term;
    t.loadAddon(this.#fit);
    t.loadAddon(this.#search);
    t.loadAddon(this.#serialize);
    t.loadAddon(new Unicode11Addon());
    t.unicode.activeVersion = '11';
    t.loadAddon(new WebLinksAddon((event, uri) => void activateLink(event, uri, (url) => this.#o.onOpenLink(url))));
    t.loadAddon(this.#flow);
    t.loadAddon(this.#clipboard);
    t.loadAddon(this.#keys);
    t.open(el);
    this.#tryWebgl();

    this.#disposables.push(
      t.onData((d) => this.#o.onInput(d)),
      t.onBinary((d) => this.#o.onInput(d)),
      t.onResize(({ cols, rows }) => this.#emitResize(cols, rows)),
      this.#search.onDidChangeResults(({ resultIndex, resultCount }) => this.#o.onSearchResults?.(resultIndex, resultCount)),
    );

    this.#resizeObserver = new ResizeObserver(() => this.fit());
    this.#resizeObserver.observe(el);
    this.fit();
  }

  #tryWebgl(): void {
    try {
      const webgl = new WebglAddon();
      this.#disposables.push(
        webgl.onContextLoss(() => {
          // The GPU context went away (driver reset, too many contexts): fall back to the DOM renderer.
          webgl.dispose();
          if (this.#webgl === webgl) this.#webgl = null;
          this.#renderer = 'dom';
        }),
      );
      this.term.loadAddon(webgl);
      this.#webgl = webgl;
      this.#renderer = 'webgl';
    } catch {
      this.#webgl = null;
      this.#renderer = 'dom';
    }
  }

  /** Fits to the container (no-op while hidden or zero-sized). */
  fit(): void {
    if (this.#disposed) return;
    const el = this.term.element;
    if (!el || el.offsetParent === null || el.clientWidth === 0 || el.clientHeight === 0) return;
    try {
      const dims = this.#fit.proposeDimensions();
      if (!dims || !Number.isFinite(dims.cols) || !Number.isFinite(dims.rows)) return;
      if (dims.cols !== this.term.cols || dims.rows !== this.term.rows) this.#fit.fit();
      this.#emitResize(this.term.cols, this.term.rows);
    } catch {
      /* not rendered yet */
    }
  }

  #emitResize(cols: number, rows: number): void {
    if (cols === this.#lastSize.cols && rows === this.#lastSize.rows) return;
    this.#lastSize = { cols, rows };
    this.#o.onResize(cols, rows);
  }

  /** Guest output; acknowledged once xterm has parsed it. */
  write(bytes: Uint8Array): void {
    if (this.#disposed) return;
    this.#flow.write(bytes);
  }

  /** Text as if typed (goes to the guest, not to the screen). */
  input(text: string): void {
    this.#o.onInput(text);
  }

  /** Pastes through xterm so bracketed paste is applied when the guest enabled it. */
  paste(text: string): void {
    this.term.paste(text);
  }

  focus(): void {
    this.term.focus();
  }

  setTheme(theme: ITheme): void {
    this.term.options.theme = theme;
  }

  /** Console font from the settings; the grid is refitted to the new cell size. */
  setFont(family: string, size: number): void {
    if (this.term.options.fontFamily === family && this.term.options.fontSize === size) return;
    this.term.options.fontFamily = family;
    this.term.options.fontSize = size;
    this.fit();
  }

  setScrollback(lines: number): void {
    this.term.options.scrollback = lines;
  }

  findNext(text: string, opts: { regex?: boolean; caseSensitive?: boolean; wholeWord?: boolean } = {}): boolean {
    if (!text) {
      this.clearSearch();
      return false;
    }
    return this.#search.findNext(text, { ...opts, decorations: SEARCH_DECORATIONS });
  }

  findPrevious(text: string, opts: { regex?: boolean; caseSensitive?: boolean; wholeWord?: boolean } = {}): boolean {
    if (!text) return false;
    return this.#search.findPrevious(text, { ...opts, decorations: SEARCH_DECORATIONS });
  }

  clearSearch(): void {
    this.#search.clearDecorations();
    this.term.clearSelection();
  }

  /** The whole buffer with colours and modes as escape sequences (replayable with `cat`). */
  serialize(): string {
    return this.#serialize.serialize({ scrollback: this.term.options.scrollback ?? 10_000 });
  }

  /** The whole buffer as plain text, trailing blanks trimmed. */
  text(): string {
    const buf = this.term.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < buf.length; i++) {
      const line = buf.getLine(i);
      if (!line) continue;
      if (line.isWrapped && lines.length > 0) lines[lines.length - 1] += line.translateToString(true);
      else lines.push(line.translateToString(true));
    }
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return lines.join('\n') + '\n';
  }

  selection(): string {
    return this.term.getSelection();
  }

  clear(): void {
    this.term.clear();
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#resizeObserver?.disconnect();
    this.#resizeObserver = null;
    this.#flow.dispose();
    for (const d of this.#disposables.splice(0)) d.dispose();
    this.#webgl?.dispose();
    this.#webgl = null;
    this.term.dispose(); // disposes the remaining loaded addons
  }
}
