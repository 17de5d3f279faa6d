/**
 * The contract over Electron IPC: one `ipcMain.handle('vmdeck:<method>')` per contract method, and events
 * pushed to the main window on 'vmdeck:event'. Every call is checked in this order:
 *   1. the sender: a top-level frame of the app's own window showing the app's own renderer URL,
 *      else FORBIDDEN_SENDER (as data);
 *   2. the arguments, with the contract's zod schemas, through the same `dispatch` the WebSocket uses,
 *      else INVALID_ARGUMENT (as data).
 * Handlers always resolve with a CallOutcome (`{ok,result}` or `{ok:false,error}`): Electron's `handle`
 * would keep only an Error's message.
 */
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { METHOD_NAMES, type EventSink, type VmdeckHandlers } from '../core/contract';
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

export function bindIpc(handlers: VmdeckHandlers, policy: SenderPolicy): Disposable {
  const channels: string[] = [];
  for (const method of METHOD_NAMES) {
    const channel = methodChannel(method);
    ipcMain.handle(channel, async (event, ...args: unknown[]): Promise<CallOutcome> => {
      const problem = senderProblem(event, policy);
      if (problem !== undefined) {
        return { ok: false, error: { code: 'FORBIDDEN_SENDER', message: `${method}: ${problem}` } };
      }
      return dispatch(handlers, method, args);
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
