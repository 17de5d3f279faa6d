import { describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => (await import('./electron-fake')).electronModule());

import { isVmdeckError } from '../../../main/core/errors';
import {
  createExternalOpener,
  hardenSession,
  hardenWebContents,
  isSafeExternalUrl,
} from '../../../main/electron/security';
import { FakeEvent, FakeSession, FakeWebContents } from './electron-fake';

const APP = 'file:///opt/vmdeck/resources/app.asar/out/renderer/index.html';
const isAppUrl = (url: string) => url.split('#')[0] === APP;

describe('session policy', () => {
  const PERMISSIONS = ['media', 'notifications', 'geolocation', 'clipboard-read', 'clipboard-sanitized-write', 'openExternal', 'fullscreen', 'hid', 'serial', 'usb', 'unknown'];
  const CLIPBOARD = ['clipboard-read', 'clipboard-sanitized-write'];
  const app = { getURL: () => APP };
  const foreign = { getURL: () => 'https://evil.example/' };

  function hardened() {
    const s = new FakeSession();
    hardenSession(s as never, { isAppUrl });
    return s;
  }

  it('denies every permission request except the clipboard for the app page (callback false)', () => {
    const s = hardened();
    for (const p of PERMISSIONS) {
      for (const [contents, name] of [[app, 'app'], [foreign, 'foreign'], [{}, 'unknown']] as const) {
        const cb = vi.fn();
        s.permissionRequestHandler!(contents, p, cb, {});
        expect(cb, `${p} from ${name}`).toHaveBeenCalledExactlyOnceWith(name === 'app' && CLIPBOARD.includes(p));
      }
    }
  });

  it('denies every permission check (clipboard only for the app page) and every device', () => {
    const s = hardened();
    for (const p of PERMISSIONS) {
      expect(s.permissionCheckHandler!(foreign, p, 'https://evil.example', {}), p).toBe(false);
      expect(s.permissionCheckHandler!(app, p, 'file://', {}), p).toBe(CLIPBOARD.includes(p));
    }
    expect(s.devicePermissionHandler!({ deviceType: 'usb' })).toBe(false);
  });

  it('cancels downloads, except the app page saving its own blob (scrollback)', () => {
    const s = hardened();
    const cases: [unknown, unknown, boolean][] = [
      [{ getURL: () => 'https://example.com/x.sh' }, app, true],
      [{ getURL: () => 'blob:file:///1234' }, foreign, true],
      [{}, {}, true],
      [{ getURL: () => 'blob:file:///1234' }, app, false],
    ];
    for (const [item, contents, cancelled] of cases) {
      const e = new FakeEvent();
      s.emit('will-download', e, item, contents);
      expect(e.defaultPrevented).toBe(cancelled);
    }
  });
});

describe('web contents policy', () => {
  function setup() {
    const contents = new FakeWebContents();
    const openExternal = vi.fn(async () => undefined);
    hardenWebContents(contents as never, { isAppUrl, openExternal });
    return { contents, openExternal };
  }

  it('prevents attaching a <webview>', () => {
    const { contents } = setup();
    const e = new FakeEvent();
    contents.emit('will-attach-webview', e, {}, {});
    expect(e.defaultPrevented).toBe(true);
  });

  it('blocks navigation away from the app and allows the app itself', () => {
    const { contents } = setup();
    for (const ev of ['will-navigate', 'will-redirect', 'will-frame-navigate'] as const) {
      expect(contents.navigate(ev, 'https://example.com/'), ev).toBe(true);
      expect(contents.navigate(ev, 'file:///etc/passwd'), ev).toBe(true);
      expect(contents.navigate(ev, 'javascript:alert(1)'), ev).toBe(true);
      expect(contents.navigate(ev, APP + '#/hosts'), ev).toBe(false);
    }
  });

  it('denies window.open; an https URL goes to the safe external opener, anything else nowhere', () => {
    const { contents, openExternal } = setup();
    expect(contents.windowOpenHandler!({ url: 'https://libvirt.org/' })).toEqual({ action: 'deny' });
    expect(openExternal).toHaveBeenCalledExactlyOnceWith('https://libvirt.org/');
    for (const url of ['http://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', APP]) {
      expect(contents.windowOpenHandler!({ url })).toEqual({ action: 'deny' });
    }
    expect(openExternal).toHaveBeenCalledTimes(1);
  });
});

describe('open external', () => {
  it('accepts https only', () => {
    expect(isSafeExternalUrl('https://xenproject.org/docs')).toBe(true);
    for (const url of [
      'http://example.com/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'data:text/html,<script>1</script>',
      'smb://server/share',
      'vbscript:msgbox',
      'https://user:pw@example.com/',
      'https://',
      'not a url',
      42,
      undefined,
    ]) {
      expect(isSafeExternalUrl(url), String(url)).toBe(false);
    }
  });

  it('refuses http/file/javascript URLs with PERMISSION_DENIED and never calls shell', async () => {
    const shellOpen = vi.fn(async () => undefined);
    let t = 0;
    const open = createExternalOpener({ openExternal: shellOpen, now: () => (t += 10_000) });
    for (const url of ['http://example.com/', 'file:///etc/passwd', 'javascript:alert(1)']) {
      const err = await open(url).then(() => undefined, (e: unknown) => e);
      expect(isVmdeckError(err, 'PERMISSION_DENIED'), url).toBe(true);
    }
    expect(shellOpen).not.toHaveBeenCalled();
    await open('https://example.com/a b');
    expect(shellOpen).toHaveBeenCalledExactlyOnceWith('https://example.com/a%20b');
  });

  it('opens at most one link per interval', async () => {
    const shellOpen = vi.fn(async () => undefined);
    let t = 1_000_000;
    const open = createExternalOpener({ openExternal: shellOpen, now: () => t, minIntervalMs: 1000 });
    await open('https://example.com/1');
    await expect(open('https://example.com/2')).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    t += 1000;
    await open('https://example.com/3');
    expect(shellOpen.mock.calls.map((c) => (c as unknown[])[0])).toEqual(['https://example.com/1', 'https://example.com/3']);
  });
});
