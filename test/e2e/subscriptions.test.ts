/**
 * Per-client subscriptions in browser mode, end to end: two tabs of the real app on the real backend; the
 * first opens a real kvm1 console and types into it; the second tab's WebSocket carries none of its
 * bytes (every frame it receives is counted), while it still gets the shared host and guest events.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { describeLab } from '../lab/describe-lab';
import { loadLab, type Lab } from '../lab/lab';
import { openApp, type App } from './support/app';

/** Counts the server's frames on a page's WebSocket by event name. */
function countFrames(page: Page): Map<string, number> {
  const counts = new Map<string, number>();
  page.on('websocket', (ws) => {
    ws.on('framereceived', (f) => {
      const text = typeof f.payload === 'string' ? f.payload : f.payload.toString('utf8');
      const m = /^\{"t":"(evt|res)"(?:,"e":"([a-z.]+)")?/.exec(text);
      const key = m?.[1] === 'evt' ? m[2]! : 'res';
      counts.set(key, (counts.get(key) ?? 0) + 1);
    });
  });
  return counts;
}

describeLab('per-client subscriptions (e2e, browser mode)', () => {
  let lab: Lab;
  let app: App;
  let second: Page;
  let firstFrames: Map<string, number>;
  let secondFrames: Map<string, number>;

  beforeAll(async () => {
    lab = loadLab()!;
    app = await openApp({
      prepareConfig: (dir) =>
        writeFileSync(
          path.join(dir, 'hosts.json'),
          JSON.stringify({ version: 1, hosts: [{ id: 'kvm1-e2e', name: 'kvm1', transport: 'ssh', address: 'kvm1', sshConfigFile: lab.sshConfig, toolstack: 'auto', pollIntervalSec: 5, autoConnect: true }] }),
        ),
    });
    firstFrames = countFrames(app.page);
    await app.page.reload({ waitUntil: 'domcontentloaded' }); // count this tab's socket from its start
    second = await app.context.newPage();
    secondFrames = countFrames(second);
    await second.goto(app.url, { waitUntil: 'domcontentloaded' });
    for (const p of [app.page, second]) {
      await p.locator('[role="row"][data-host="kvm1"][data-guest="alpha"]').waitFor({ timeout: 90_000 });
    }
  });

  afterAll(async () => {
    await second?.close().catch(() => undefined);
    await app?.close();
  });

  it('a second tab receives no bytes of a console it did not open', async () => {
    const { page } = app;
    await page.getByTestId('guest-filter').fill('host:kvm1 name:alpha');
    const alpha = page.locator('[role="row"][data-host="kvm1"][data-guest="alpha"]');
    await alpha.getByRole('button', { name: 'Open console for alpha' }).click();
    const picker = page.getByTestId('console-picker');
    const term = page.locator('.term[data-guest="alpha"]');
    await term.or(picker).first().waitFor({ timeout: 30_000 });
    if (await picker.isVisible().catch(() => false)) {
      await page.keyboard.press('Enter');
      await picker.waitFor({ state: 'detached' });
    }
    await term.waitFor();
    await term.locator('.xterm').click();
    for (let i = 0; i < 3; i++) await page.keyboard.type('echo tab-one-$((6*7))\r', { delay: 10 });
    await expect.poll(() => firstFrames.get('consoles.data') ?? 0, { timeout: 30_000 }).toBeGreaterThan(0);
    await page.waitForTimeout(1500); // let any stray frame arrive
    expect(secondFrames.get('consoles.data') ?? 0).toBe(0);
    expect(secondFrames.get('consoles.changed') ?? 0).toBe(0);
    // The second tab is live all the same: it received the shared events (hosts, guests).
    expect((secondFrames.get('hosts.changed') ?? 0) + (secondFrames.get('guests.diff') ?? 0)).toBeGreaterThan(0);
    // Closing the console in the first tab frees the channel; still nothing reached the second tab.
    app.assertClean();
  });
});
