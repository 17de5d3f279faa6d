/**
 * One rule for every link in a console, whether xterm found it in the text (web links addon) or the guest sent it
 * as an OSC 8 hyperlink: only https URLs open, only on the user's own primary-button click, and only through the
 * app (`app.openExternal`, which refuses anything else again). Guest output can never open a link by itself.
 */
import type { IBufferRange, ILinkHandler } from '@xterm/xterm';

/** True for an absolute https URL with a host. */
export function isSafeLink(uri: string): boolean {
  try {
    const u = new URL(uri);
    return u.protocol === 'https:' && u.hostname !== '' && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

/** A real click by the user with the primary button (not a script-made event, not a middle/right click). */
export function isUserClick(e: Pick<MouseEvent, 'button' | 'isTrusted'> | undefined): boolean {
  return e !== undefined && e.isTrusted === true && e.button === 0;
}

/** Calls `open` with the URL when the rule allows it; returns whether it did. */
export function activateLink(event: MouseEvent | undefined, uri: string, open: (url: string) => void): boolean {
  event?.preventDefault?.();
  if (!isUserClick(event) || !isSafeLink(uri)) return false;
  open(uri);
  return true;
}

/** xterm's `linkHandler` option: OSC 8 hyperlinks follow the same rule as web links. */
export function safeLinkHandler(open: (url: string) => void, onRefused?: (uri: string) => void): ILinkHandler {
  return {
    allowNonHttpProtocols: false,
    activate(event: MouseEvent, text: string, _range: IBufferRange) {
      if (!activateLink(event, text, open)) onRefused?.(text);
    },
  };
}
