/**
 * The contract over Electron IPC: one `ipcMain.handle('vmdeck:<method>')` per contract method, and events
 * pushed to the main window on 'vmdeck:event'. Every call is checked in this order:
 *   1. the sender: a top-level frame of the app's own window showing the app's own renderer URL,
 *      else FORBIDDEN_SENDER (as data);
 *   2. the arguments, with the contract's zod schemas, through the same `dispatch` the WebSocket uses,
 *      else INVALID_ARGUMENT (as data).
 * Handlers always resolve with a CallOutcome (`{ok,result}` or `{ok:false,error}`): Electron's `handle`
 * would keep only an Error's message.
 *
 * Each webContents is one client of the backend (`WebContentsClients`): its calls run with its own
 * handlers (a console belongs to the window that opened it) and its events go to it alone. A page that
 * navigates or reloads becomes a new client; its consoles stay open, unowned, for the new page to adopt.
 */
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { METHOD_NAMES, type ContractClient, type ContractServer, type EventSink, type VmdeckHandlers } from '../core/contract';
import { dispatch, type CallOutcome } from '../core/rpc';
import { EVENT_CHANNEL, methodChannel } from './channels';

export interface Disposable {
  dispose(): void;
}

export interface SenderPolicy {
  isAppUrl: (url: string) => boolean;
  /** The WebContents allowed to call (the main window's); when it returns false the call is refused. */
  isTrustedContents?: (contents: WebContents) => boolean;
}

/** Why a sender is refused, or undefined when it is the app's own top-level renderer frame. */
export function senderProblem(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>, policy: SenderPolicy): string | undefined {
  const frame = event.senderFrame;
  if (!frame) return 'the sending frame is gone';
  if (frame.parent !== null || (frame.top !== null && frame.top !== frame)) return 'the sender is not the top-level frame';
  if (!policy.isAppUrl(frame.url)) return 'the sender is not the vmdeck renderer';
  if (policy.isTrustedContents && !policy.isTrustedContents(event.sender)) return 'the sender is not the vmdeck window';
  return undefined;
}

/** `handlers`: one table for every sender, or the table of the sender's own client. */
export function bindIpc(handlers: VmdeckHandlers | ((sender: WebContents) => VmdeckHandlers), policy: SenderPolicy): Disposable {
  const handlersFor = typeof handlers === 'function' ? handlers : () => handlers;
  const channels: string[] = [];
  for (const method of METHOD_NAMES) {
    const channel = methodChannel(method);
    ipcMain.handle(channel, async (event, ...args: unknown[]): Promise<CallOutcome> => {
      const problem = senderProblem(event, policy);
      if (problem !== undefined) {
        return { ok: false, error: { code: 'FORBIDDEN_SENDER', message: `${method}: ${problem}` } };
      }
      return dispatch(handlersFor(event.sender), method, args);
    });
    channels.push(channel);
  }
  let disposed = false;
  return {
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const channel of channels) ipcMain.removeHandler(channel);
    },
  };
}

/** One backend client per webContents, made on first use and released when the page goes away. */
export class WebContentsClients implements Disposable {
  private readonly clients = new Map<number, { contents: WebContents; client: ContractClient; release: () => void }>();

  constructor(
    private readonly server: ContractServer,
    private readonly isAppUrl: (url: string) => boolean,
  ) {}

  handlersFor(contents: WebContents): VmdeckHandlers {
    const known = this.clients.get(contents.id);
    if (known) return known.client.handlers;
    const client = this.server.connect(contentsEventSink(contents, this.isAppUrl), { label: 'window' });
    const onGone = () => this.release(contents.id);
    // A new document in the main frame (reload, navigation) is a new client.
    const onNavigation = (_event: unknown, _url: unknown, isInPlace: unknown, isMainFrame: unknown) => {
      if (isMainFrame === true && isInPlace !== true) this.release(contents.id);
    };
    contents.once('destroyed', onGone);
    contents.on('did-start-navigation', onNavigation);
    this.clients.set(contents.id, {
      contents,
      client,
      release: () => {
        contents.off('destroyed', onGone);
        contents.off('did-start-navigation', onNavigation);
        client.dispose();
      },
    });
    return client.handlers;
  }

  get size(): number {
    return this.clients.size;
  }

  private release(id: number): void {
    const entry = this.clients.get(id);
    if (!entry) return;
    this.clients.delete(id);
    entry.release();
  }

  dispose(): void {
    for (const id of [...this.clients.keys()]) this.release(id);
  }
}

/** An EventSink to one webContents, only while it shows the app's renderer. */
export function contentsEventSink(contents: WebContents, isAppUrl: (url: string) => boolean): EventSink {
  return (event, payload) => {
    if (contents.isDestroyed() || !isAppUrl(contents.getURL())) return;
    contents.send(EVENT_CHANNEL, event, payload);
  };
}

/**
 * An EventSink that sends to the main window only, and only while it shows the app's renderer (a window
 * that somehow left the app never receives host or console data).
 */
export function windowEventSink(getWindow: () => BrowserWindow | undefined, isAppUrl: (url: string) => boolean): EventSink {
  return (event, payload) => {
    const win = getWindow();
    if (!win || win.isDestroyed()) return;
    const contents = win.webContents;
    if (contents.isDestroyed() || !isAppUrl(contents.getURL())) return;
    contents.send(EVENT_CHANNEL, event, payload);
  };
}
