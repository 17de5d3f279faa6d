/**
 * The BUILT main bundle (out/main/index.js), run under plain Node with 'electron' resolved to a stub
 * (bundle/electron-stub.mjs): proves the real composition (real backend, real paths of the built layout)
 * comes up, answers IPC, refuses foreign senders and invalid arguments, and disposes on quit. This is the
 * closest check to a real launch possible where the Electron binary cannot be installed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METHOD_NAMES } from '../../../main/core/contract';
import { ensureBuilt, outputPath, ROOT } from './build-targets';

const MAIN_OUT = outputPath('main');

interface Report {
  calls: string[];
  channels: string[];
  webPreferences: Record<string, unknown>;
  loadedFile: string;
  info: unknown;
  hosts: unknown;
  foreign: unknown;
  invalid: unknown;
  permission: boolean;
  afterQuit: { calls: string[]; handlersLeft: number };
}

describe('built main bundle under a stub Electron', () => {
  let home: string;
  let report: Report;

  beforeAll(() => {
    // Only the main bundle runs here (the stub records the preload and renderer paths; their contents are
    // checked by test/unit/preload/bridge.test.ts).
    ensureBuilt(['main']);
    home = mkdtempSync(join(tmpdir(), 'vmdeck-bundle-'));
    const out = execFileSync(process.execPath, ['--import', join(__dirname, 'bundle/register.mjs'), MAIN_OUT], {
      cwd: ROOT,
      env: { ...process.env, HOME: home, VMDECK_FAKE_USERDATA: join(home, 'userData'), ELECTRON_RENDERER_URL: '' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    const line = out.trim().split('\n').at(-1)!;
    report = JSON.parse(line) as Report;
  }, 360_000);

  afterAll(() => {
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('enables the sandbox and takes the single-instance lock before ready', () => {
    expect(report.calls.slice(0, 3)).toEqual(['enableSandbox', 'lock', 'ready']);
  });

  it('binds one IPC channel per contract method', () => {
    expect(report.channels).toEqual(METHOD_NAMES.map((m) => 'vmdeck:' + m).sort());
  });

  it('opens the window with the built preload and renderer of the out/ layout', () => {
    expect(report.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false, webviewTag: false });
    expect(report.webPreferences.preload).toBe(join(ROOT, 'out/preload/index.cjs'));
    expect(report.loadedFile).toBe(join(ROOT, 'out/renderer/index.html'));
  });

  it('answers the app frame through the real backend', () => {
    expect(report.info).toMatchObject({ ok: true, result: { mode: 'electron', version: '9.9.9', canStoreSecrets: false } });
    expect(report.hosts).toEqual({ ok: true, result: [] });
  });

  it('refuses a foreign frame and an invalid argument, as data', () => {
    expect(report.foreign).toMatchObject({ ok: false, error: { code: 'FORBIDDEN_SENDER' } });
    expect(report.invalid).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(report.permission).toBe(false);
  });

  it('disposes everything and quits', () => {
    expect(report.afterQuit.calls).toContain('exit');
    expect(report.afterQuit.handlersLeft).toBe(0);
  });
});
