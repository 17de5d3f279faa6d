import { describe, expect, it } from 'vitest';
import { createAppUrl } from '../../../main/electron/app-url';

const index = '/opt/vmdeck/resources/app.asar/out/renderer/index.html';

describe('app URL', () => {
  it('production: only the built index.html (any hash, no query) is the app', () => {
    const u = createAppUrl({ rendererIndexPath: index, devServerUrl: 'http://localhost:5173/', isPackaged: true });
    expect(u.entry).toEqual({ kind: 'file', path: index });
    expect(u.isAppUrl('file://' + index)).toBe(true);
    expect(u.isAppUrl('file://' + index + '#/guests')).toBe(true);
    expect(u.isAppUrl('file://' + index + '?x=1')).toBe(false);
    expect(u.isAppUrl('file:///opt/vmdeck/resources/app.asar/out/renderer/other.html')).toBe(false);
    expect(u.isAppUrl('file:///tmp/evil/out/renderer/index.html')).toBe(false);
    // A packaged app ignores ELECTRON_RENDERER_URL: a variable cannot point the window at a server.
    expect(u.isAppUrl('http://localhost:5173/')).toBe(false);
    expect(u.isAppUrl('')).toBe(false);
    expect(u.isAppUrl(undefined)).toBe(false);
    expect(u.isAppUrl('about:blank')).toBe(false);
  });

  it('development: the dev server origin is the app', () => {
    const u = createAppUrl({ rendererIndexPath: index, devServerUrl: 'http://localhost:5173', isPackaged: false });
    expect(u.entry).toEqual({ kind: 'url', url: 'http://localhost:5173/' });
    expect(u.isAppUrl('http://localhost:5173/')).toBe(true);
    expect(u.isAppUrl('http://localhost:5173/index.html#x')).toBe(true);
    expect(u.isAppUrl('http://localhost:5174/')).toBe(false);
    expect(u.isAppUrl('http://evil.example/')).toBe(false);
    expect(u.isAppUrl('file://' + index)).toBe(false);
  });

  it('development without a dev server loads the built file', () => {
    const u = createAppUrl({ rendererIndexPath: index, devServerUrl: undefined, isPackaged: false });
    expect(u.entry.kind).toBe('file');
    expect(createAppUrl({ rendererIndexPath: index, devServerUrl: 'javascript:1', isPackaged: false }).entry.kind).toBe('file');
  });
});
