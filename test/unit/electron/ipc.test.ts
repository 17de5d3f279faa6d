import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => (await import('./electron-fake')).electronModule());

import { METHOD_NAMES, type VmdeckHandlers } from '../../../main/core/contract';
import { VmdeckError } from '../../../main/core/errors';
import { bindIpc, senderProblem, WebContentsClients, windowEventSink } from '../../../main/electron/ipc';
import type { ContractServer, EventSink } from '../../../main/core/contract';
import { fake, FakeBrowserWindow, FakeWebContents } from './electron-fake';

const APP = 'file:///opt/vmdeck/out/renderer/index.html';
const isAppUrl = (url: string) => url.split('#')[0] === APP;

/** A handlers object where every method records its arguments and answers with its own name. */
function fakeHandlers() {
  const calls: { method: string; args: unknown[] }[] = [];
  const handlers = Object.fromEntries(
    METHOD_NAMES.map((m) => [m, (...args: unknown[]) => {
      calls.push({ method: m, args });
      if (m === 'hosts.remove') throw new VmdeckError('NOT_FOUND', 'no such host', { host: String(args[0]) });
      return `result of ${m}`;
    }]),
  ) as unknown as VmdeckHandlers;
  return { handlers, calls };
}

interface FakeFrame {
  url: string;
  parent: FakeFrame | null;
  top: FakeFrame | null;
}
function topFrame(url: string): FakeFrame {
  const f: FakeFrame = { url, parent: null, top: null };
  f.top = f;
  return f;
}
function subFrame(url: string, parent: FakeFrame): FakeFrame {
  return { url, parent, top: parent };
}

const appContents = new FakeWebContents();
const event = (frame: FakeFrame | null, sender: FakeWebContents = appContents) => ({ sender, senderFrame: frame });

function call(method: string, ev: unknown, ...args: unknown[]) {
  const handler = fake.ipcMain.handlers.get('vmdeck:' + method);
  if (!handler) throw new Error(`no handler for ${method}`);
  return handler(ev, ...args) as Promise<unknown>;
}

beforeEach(() => {
  fake.ipcMain.handlers.clear();
  fake.ipcMain.handle.mockClear();
});

describe('IPC binding', () => {
  it('registers exactly one handler per contract method and removes them all on dispose', () => {
    const { handlers } = fakeHandlers();
    const d = bindIpc(handlers, { isAppUrl });
    expect([...fake.ipcMain.handlers.keys()].sort()).toEqual(METHOD_NAMES.map((m) => 'vmdeck:' + m).sort());
    expect(fake.ipcMain.handle).toHaveBeenCalledTimes(METHOD_NAMES.length);
    d.dispose();
    expect(fake.ipcMain.handlers.size).toBe(0);
    d.dispose();
    expect(fake.ipcMain.removeHandler).toHaveBeenCalledTimes(METHOD_NAMES.length);
  });

  it('runs a valid call from the app frame and returns {ok,result}', async () => {
    const { handlers, calls } = fakeHandlers();
    bindIpc(handlers, { isAppUrl, isTrustedContents: (c) => c === (appContents as never) });
    await expect(call('hosts.list', event(topFrame(APP)))).resolves.toEqual({ ok: true, result: 'result of hosts.list' });
    await expect(call('consoles.resize', event(topFrame(APP + '#/console')), 'c1', 120, 40)).resolves.toMatchObject({ ok: true });
    expect(calls).toEqual([
      { method: 'hosts.list', args: [] },
      { method: 'consoles.resize', args: ['c1', 120, 40] },
    ]);
  });

  it('rejects a foreign sender frame with FORBIDDEN_SENDER before running anything', async () => {
    const { handlers, calls } = fakeHandlers();
    bindIpc(handlers, { isAppUrl, isTrustedContents: (c) => c === (appContents as never) });
    const cases = [
      event(topFrame('https://evil.example/')),
      event(topFrame('file:///tmp/evil.html')),
      event(subFrame(APP, topFrame(APP))),
      event(subFrame('https://ads.example/', topFrame(APP))),
      event(null),
      event(topFrame(APP), new FakeWebContents()),
    ];
    for (const ev of cases) {
      const out = await call('hosts.list', ev);
      expect(out).toMatchObject({ ok: false, error: { code: 'FORBIDDEN_SENDER' } });
    }
    expect(calls).toEqual([]);
  });

  it('rejects invalid arguments with INVALID_ARGUMENT as data, without calling the handler', async () => {
    const { handlers, calls } = fakeHandlers();
    bindIpc(handlers, { isAppUrl });
    const ok = event(topFrame(APP));
    for (const [method, args] of [
      ['hosts.add', [{ name: 'x', transport: 'telnet' }]],
      ['hosts.add', [{ name: 'x', transport: 'ssh', extra: true }]],
      ['consoles.resize', ['c1', 'wide', 40]],
      ['guests.details', ['h1', 'not-a-uuid']],
      ['app.openExternal', ['http://example.com/']],
      ['app.openExternal', ['javascript:alert(1)']],
      ['settings.update', [{ scrollback: -1 }]],
    ] as const) {
      const out = await call(method, ok, ...args);
      expect(out, `${method} ${JSON.stringify(args)}`).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    }
    expect(calls).toEqual([]);
  });

  it('carries a handler failure as error data (code, message, details)', async () => {
    const { handlers } = fakeHandlers();
    bindIpc(handlers, { isAppUrl });
    await expect(call('hosts.remove', event(topFrame(APP)), 'h9')).resolves.toEqual({
      ok: false,
      error: { code: 'NOT_FOUND', message: 'no such host', details: { host: 'h9' } },
    });
  });

  it('explains each refusal', () => {
    expect(senderProblem(event(null) as never, { isAppUrl })).toMatch(/gone/);
    expect(senderProblem(event(subFrame(APP, topFrame(APP))) as never, { isAppUrl })).toMatch(/top-level/);
    expect(senderProblem(event(topFrame('https://x.example/')) as never, { isAppUrl })).toMatch(/renderer/);
    expect(senderProblem(event(topFrame(APP)) as never, { isAppUrl })).toBeUndefined();
  });
});

describe('event sink', () => {
  it('sends to the main window only, on vmdeck:event, while it shows the app', () => {
    const win = new FakeBrowserWindow({});
    const other = new FakeBrowserWindow({});
    win.webContents.url = APP;
    other.webContents.url = APP;
    const sink = windowEventSink(() => win as never, isAppUrl);
    sink('hosts.removed', { id: 'h1' });
    expect(win.webContents.send).toHaveBeenCalledExactlyOnceWith('vmdeck:event', 'hosts.removed', { id: 'h1' });
    expect(other.webContents.send).not.toHaveBeenCalled();

    win.webContents.url = 'https://evil.example/';
    sink('hosts.removed', { id: 'h2' });
    win.webContents.url = APP;
    win.destroyed = true;
    sink('hosts.removed', { id: 'h3' });
    expect(win.webContents.send).toHaveBeenCalledTimes(1);
    expect(() => windowEventSink(() => undefined, isAppUrl)('hosts.removed', { id: 'x' })).not.toThrow();
  });
});

describe('one backend client per webContents', () => {
  /** A ContractServer whose clients answer with their own id, recording sinks and disposals. */
  function fakeServer() {
    const clients: { id: string; sink: EventSink; disposed: boolean }[] = [];
    const server: ContractServer = {
      connect(sink) {
        const c = { id: `window-${clients.length + 1}`, sink, disposed: false };
        clients.push(c);
        const handlers = Object.fromEntries(METHOD_NAMES.map((m) => [m, () => `${c.id}: ${m}`])) as unknown as VmdeckHandlers;
        return { id: c.id, handlers, dispose: () => void (c.disposed = true) };
      },
    };
    return { server, clients };
  }

  it('runs each sender\'s calls with its own client, sends it only its own events, and releases it when its page goes', async () => {
    const { server, clients } = fakeServer();
    const wcs = new WebContentsClients(server, isAppUrl);
    const one = new FakeWebContents();
    const two = new FakeWebContents();
    one.url = APP;
    two.url = APP;
    bindIpc((sender) => wcs.handlersFor(sender), { isAppUrl });
    await expect(call('consoles.list', event(topFrame(APP), one))).resolves.toEqual({ ok: true, result: 'window-1: consoles.list' });
    await expect(call('consoles.list', event(topFrame(APP), two))).resolves.toEqual({ ok: true, result: 'window-2: consoles.list' });
    await expect(call('consoles.list', event(topFrame(APP), one))).resolves.toEqual({ ok: true, result: 'window-1: consoles.list' });
    expect(wcs.size).toBe(2);

    clients[0]!.sink('consoles.data', { id: 'c1', data: new Uint8Array([1]) });
    expect(one.send).toHaveBeenCalledExactlyOnceWith('vmdeck:event', 'consoles.data', { id: 'c1', data: new Uint8Array([1]) });
    expect(two.send).not.toHaveBeenCalled();

    // A reload (main-frame navigation) makes a new client; an in-page navigation does not.
    one.emit('did-start-navigation', {}, APP + '#/x', true, true);
    expect(clients[0]!.disposed).toBe(false);
    one.emit('did-start-navigation', {}, APP, false, true);
    expect(clients[0]!.disposed).toBe(true);
    expect(clients).toHaveLength(3); // the new page's client exists before its first call
    await expect(call('consoles.list', event(topFrame(APP), one))).resolves.toEqual({ ok: true, result: 'window-3: consoles.list' });

    two.emit('destroyed');
    expect(clients[1]!.disposed).toBe(true);
    wcs.dispose();
    expect(clients.every((c) => c.disposed)).toBe(true);
    expect(one.listenerCount('destroyed') + one.listenerCount('did-start-navigation')).toBe(0);
  });

  it('a refused sender gets no client', async () => {
    const { server, clients } = fakeServer();
    const wcs = new WebContentsClients(server, isAppUrl);
    bindIpc((sender) => wcs.handlersFor(sender), { isAppUrl, isTrustedContents: () => false });
    await expect(call('hosts.list', event(topFrame(APP)))).resolves.toMatchObject({ ok: false, error: { code: 'FORBIDDEN_SENDER' } });
    expect(clients).toEqual([]);
  });
});

