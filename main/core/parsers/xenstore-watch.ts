/**
 * `xenstore-watch PATH...` prints one line per event: the path that fired. `@introduceDomain` and
 * `@releaseDomain` do not say which domain, unless xenstored supports watch depth (`-d 1`, Xen ≥ 4.22), where
 * the path becomes `@releaseDomain/<domid>`. Watches on `/local/domain/<id>/...` name the domain id.
 */
export interface XenstoreWatchEvent {
  path: string;
  /** The domain the event is about, when the path says. */
  domId?: number;
}

export function parseXenstoreWatchLine(rawLine: string): XenstoreWatchEvent | null {
  const path = rawLine.replace(/\r$/, '').trim();
  if (path === '' || !(path.startsWith('@') || path.startsWith('/'))) return null;
  const m = /^(?:@(?:introduce|release)Domain|\/local\/domain)\/(\d+)(?:\/|$)/.exec(path);
  return m ? { path, domId: Number(m[1]) } : { path };
}
