import { describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => (await import('./electron-fake')).electronModule());

import { acquireSingleInstance } from '../../../main/electron/single-instance';
import { FakeApp, FakeBrowserWindow } from './electron-fake';

describe('single instance', () => {
  it('returns false when another instance holds the lock, and registers nothing', () => {
    const app = new FakeApp();
    app.lock = false;
    expect(acquireSingleInstance(app as never, () => undefined)).toBe(false);
    expect(app.listenerCount('second-instance')).toBe(0);
  });

  it('a second launch restores, shows and focuses the existing window', () => {
    const app = new FakeApp();
    const win = new FakeBrowserWindow({});
    win.minimized = true;
    expect(acquireSingleInstance(app as never, () => win as never)).toBe(true);
    app.emit('second-instance', {}, ['vmdeck'], '/', {});
    expect(win.minimized).toBe(false);
    expect(win.visible).toBe(true);
    expect(win.focus).toHaveBeenCalledTimes(1);
  });

  it('a second launch before the window exists is harmless', () => {
    const app = new FakeApp();
    expect(acquireSingleInstance(app as never, () => undefined)).toBe(true);
    expect(() => app.emit('second-instance', {}, [], '/', {})).not.toThrow();
  });
});
