/**
 * The renderer's shell against the lab's real hosts (kvm1, kvm2, xen1 and the bastion `jump` as a throwaway
 * host): the command registry's shortcuts with focus in a console, the palette's guest arguments, the row
 * context menu, honest action progress, console tabs across reconnects and page reloads, bulk actions as a task
 * with per-guest results, OSC 8 links, keyboard help, skip links and the sidebar's roving tabindex, and polish.
 * Each test fails on the code before the change it covers (see the test names).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { describeLab } from '../lab/describe-lab';
import { loadLab, type Lab } from '../lab/lab';
import { openApp, type App } from './support/app';
import { configWithEmptyKnownHosts, consoleText, filter, importLabHosts, openConsoleFromList, row, typeInConsole, waitBooted, waitState } from './support/lab-ui';

const HOSTS = ['kvm1', 'kvm2', 'xen1', 'jump'] as const;
const HYPERVISORS = ['kvm1', 'kvm2', 'xen1'] as const;
const ACTIVE = /^(running|blocked)$/;

const details = (page: Page) => page.getByTestId('details');
const tool = (page: Page, command: string) => details(page).locator(`[data-command="${command}"]`);
const tabs = (page: Page) => page.getByRole('tablist', { name: 'Open consoles' }).getByRole('tab');
/** A console tab by its accessible name ("alpha · kvm1 (attached; …)"). */
const tab = (page: Page, name: RegExp) => page.getByRole('tablist', { name: 'Open consoles' }).getByRole('tab', { name });
const notice = (page: Page) => page.getByTestId('status-notice');
const isError = async (page: Page) => (await notice(page).getAttribute('data-tone')) === 'error';

/** Selects one guest by clicking its row (filtered to it first). */
async function select(page: Page, host: string, name: string): Promise<void> {
  await filter(page, `host:${host} name:${name}`);
  await row(page, host, name).click();
  await details(page).getByRole('heading', { name }).waitFor();
}

/** Brings a guest to running (the lab is shared: another suite may have left it otherwise). */
async function ensureRunning(page: Page, host: string, name: string): Promise<void> {
  await select(page, host, name);
  const s = await row(page, host, name).getAttribute('data-state');
  if (s === 'paused') await tool(page, 'guest.resume').click();
  else if (!ACTIVE.test(s ?? '')) await tool(page, 'guest.start').click();
  await waitState(page, host, name, ACTIVE);
}

async function ensureShutoff(page: Page, host: string, name: string): Promise<void> {
  await select(page, host, name);
  if ((await row(page, host, name).getAttribute('data-state')) === 'shutoff') return;
  await tool(page, 'guest.destroy').click();
  await page.getByTestId('confirm-dialog').getByRole('button', { name: 'Force off' }).click();
  await waitState(page, host, name, 'shutoff');
}

/** xl guests are transient: a shut-down one leaves the list; the simulator keeps the config it came from. */
function xlCreate(lab: Lab, name: string): void {
  execFileSync('ssh', ['-F', lab.sshConfig, 'xen1', `xl create "$XLSIM_STATE/xen/${name}.cfg"`], { stdio: 'ignore', timeout: 30_000 });
}

async function palette(page: Page, query: string): Promise<void> {
  await page.keyboard.press('Control+k');
  const dlg = page.getByRole('dialog', { name: 'Command palette' });
  await dlg.waitFor();
  await dlg.locator('#palette-input').fill(query);
}

describeLab('renderer shell against the lab (e2e)', () => {
  let app: App;
  let lab: Lab;
  let tmp: string;

  beforeAll(async () => {
    lab = loadLab()!;
    tmp = mkdtempSync(path.join(tmpdir(), 'vmdeck-e2e-shell-'));
    app = await openApp({ viewport: { width: 1600, height: 1000 } });
    await app.page.getByRole('navigation', { name: 'Hosts' }).waitFor({ timeout: 90_000 });
  });

  afterAll(async () => {
    if (app) {
      // Leave the lab as the lab's README describes it: alpha and gamma running, beta shut off.
      try {
        for (const [h, n] of [['kvm1', 'alpha'], ['kvm2', 'gamma']] as const) await ensureRunning(app.page, h, n);
        await ensureShutoff(app.page, 'kvm1', 'beta');
        await ensureShutoff(app.page, 'kvm2', 'delta');
      } catch {
        /* best effort */
      }
      await app.close();
    }
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && app) await app.screenshot(`lab-shell-failure-${ctx.task.name.slice(0, 40).replace(/[^\w]+/g, '-')}`).catch(() => {});
  });

  it('imports the lab hosts; every host-key prompt prints the fingerprint once (issue 12 item 17)', async () => {
    const keys = Object.fromEntries(HOSTS.map((h) => [h, lab.hosts[h]!.hostKey!]));
    const asked = await importLabHosts(app.page, configWithEmptyKnownHosts(lab.sshConfig, tmp), keys, HOSTS, HYPERVISORS);
    expect([...asked].sort()).toEqual([...HOSTS].sort());
    await filter(app.page, '');
    app.assertClean();
  });

  it('removes a host from the bin icon’s dialog (issue 12 item 1: "Removing null failed")', async () => {
    const { page } = app;
    const jump = page.locator('li[data-host="jump"]');
    await jump.waitFor();
    await page.getByRole('button', { name: 'Remove jump' }).click();
    const dlg = page.getByTestId('remove-host-dialog');
    await dlg.getByRole('button', { name: 'Remove host' }).click();
    await jump.waitFor({ state: 'detached', timeout: 15_000 });
    await expect.poll(() => notice(page).innerText()).toBe('Removed host jump');
    expect(await isError(page)).toBe(false);
    // It stays removed: the backend forgot it too.
    await page.reload();
    await page.locator('li[data-host="kvm1"]').waitFor();
    expect(await page.locator('li[data-host="jump"]').count()).toBe(0);
    app.assertClean();
  });

  it('says xen1’s "both xl and virsh" once, as a dismissible note, and clears the sidebar highlight with the filter (item 17)', async () => {
    const { page } = app;
    const xen1 = page.locator('li[data-host="xen1"]');
    await expect.poll(() => xen1.locator('[data-connection]').getAttribute('data-connection'), { timeout: 60_000 }).toBe('ready');
    const notes = xen1.getByRole('list', { name: 'Notes about xen1' }).getByRole('listitem');
    await expect.poll(() => notes.filter({ hasText: /virsh/ }).count()).toBe(1);
    expect(await xen1.locator('.warn').count()).toBe(0); // information, not a warning
    await notes.filter({ hasText: /virsh/ }).getByRole('button', { name: /^Dismiss note/ }).click();
    expect(await notes.filter({ hasText: /virsh/ }).count()).toBe(0);

    const kvm1 = page.locator('li[data-host="kvm1"]').getByRole('button', { name: 'kvm1', exact: true });
    await kvm1.click();
    expect(await kvm1.getAttribute('aria-current')).toBe('true');
    expect(await page.getByTestId('guest-filter').inputValue()).toBe('host:kvm1');
    await filter(page, '');
    await expect.poll(() => kvm1.getAttribute('aria-current')).toBeNull();
    expect(await page.getByRole('columnheader', { name: /CPU · trend/ }).count()).toBe(1);
    app.assertClean();
  });

  it('skip links lead to the list; the host list is one Tab stop with arrow keys inside (item 15)', async () => {
    const { page } = app;
    await page.reload();
    await page.locator('li[data-host="kvm1"]').waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Skip to the guest list');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('guest-grid-region');

    const list = page.getByRole('list', { name: /Configured hosts/ });
    expect(await list.locator('[tabindex="0"]').count()).toBe(1);
    const hostButtons = list.locator('li > .row1 > button.name');
    await hostButtons.first().focus();
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate(() => document.activeElement?.closest('li')?.getAttribute('data-host'))).toBe(await hostButtons.nth(1).evaluate((b) => b.closest('li')!.getAttribute('data-host')));
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? '')).toMatch(/^(Connect|Disconnect) /);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.closest('ul[aria-label^="Configured hosts"]') === null)).toBe(true);
    app.assertClean();
  });

  it('Ctrl+K, Ctrl+J and Ctrl+Shift+] work with focus inside a console; tabs name the host; "1 console" (issue 13)', async () => {
    const { page } = app;
    await ensureRunning(page, 'kvm1', 'alpha');
    await openConsoleFromList(page, 'kvm1', 'alpha');
    expect(await page.getByTestId('console-count').innerText()).toBe('1 console');
    await typeInConsole(page, 'alpha', '\r');
    await expect.poll(async () => /alpha:~# *$/m.test(await consoleText(page, 'alpha')), { timeout: 90_000, interval: 1000 }).toBe(true);
    await typeInConsole(page, 'alpha', ''); // focus back in the terminal (reading the scrollback used its bar)
    expect(await page.evaluate(() => document.activeElement?.closest('.xterm') !== null)).toBe(true);
    await page.keyboard.press('Control+k');
    await page.getByRole('dialog', { name: 'Command palette' }).waitFor({ timeout: 5000 });
    await page.keyboard.press('Escape');
    await page.getByRole('dialog', { name: 'Command palette' }).waitFor({ state: 'detached' });

    const activity = page.getByRole('button', { name: /^Activity/ });
    const before = await activity.getAttribute('aria-pressed');
    await typeInConsole(page, 'alpha', '');
    await page.keyboard.press('Control+j');
    await expect.poll(() => activity.getAttribute('aria-pressed')).not.toBe(before);
    await activity.click(); // back as it was
    await expect.poll(() => activity.getAttribute('aria-pressed')).toBe(before);

    await ensureRunning(page, 'kvm2', 'gamma');
    await openConsoleFromList(page, 'kvm2', 'gamma');
    expect(await page.getByTestId('console-count').innerText()).toBe('2 consoles');
    expect(await tabs(page).allInnerTexts()).toEqual([expect.stringMatching(/^alpha · kvm1/), expect.stringMatching(/^gamma · kvm2/)]);
    await typeInConsole(page, 'gamma', '');
    await page.keyboard.press('Control+Shift+BracketRight');
    await expect.poll(() => page.getByRole('tablist', { name: 'Open consoles' }).getByRole('tab', { selected: true }).innerText()).toMatch(/^alpha · kvm1/);
    // The guest still gets ordinary keys: the shell answers.
    await typeInConsole(page, 'alpha', 'echo $((6*7))\r');
    await expect.poll(async () => /^42\s*$/m.test(await consoleText(page, 'alpha')), { timeout: 30_000, interval: 1000 }).toBe(true);
    app.assertClean();
  });

  it('OSC 8 hyperlinks from guest output follow the https-only, user-click rule (issue 14)', async () => {
    const { page } = app;
    const dialogs: string[] = [];
    const popups: string[] = [];
    const onDialog = (d: { message(): string; dismiss(): Promise<void> }) => {
      dialogs.push(d.message());
      void d.dismiss();
    };
    page.on('dialog', onDialog);
    page.context().on('page', (p) => popups.push(p.url()));
    // delta (kvm2): a guest no other suite uses, so nobody takes its console over meanwhile.
    await ensureRunning(page, 'kvm2', 'delta');
    await openConsoleFromList(page, 'kvm2', 'delta');
    await typeInConsole(page, 'delta', '\r');
    await expect.poll(async () => /delta:~# *$/m.test(await consoleText(page, 'delta')), { timeout: 90_000, interval: 1000 }).toBe(true);
    await typeInConsole(page, 'delta', "printf '\\033]8;;http://example.org/plain\\033\\\\PLAINLINK\\033]8;;\\033\\\\ \\033]8;;https://example.org/ok\\033\\\\SAFELINK\\033]8;;\\033\\\\\\n'\r");
    const term = page.locator('.term[data-guest="delta"]');
    await expect.poll(async () => /SAFELINK[^\n]*\n[^\n]*delta:~# *$/m.test(await consoleText(page, 'delta')), { timeout: 20_000 }).toBe(true);
    /**
     * Clicks a cell of the line just above the cursor (where printf's output is), by xterm's own geometry: the
     * screen element's size over cols x rows, and the helper textarea xterm keeps at the cursor.
     */
    const clickAboveCursor = async (col: number) => {
      const pos = await term.evaluate((el, c) => {
        const screen = el.querySelector('.xterm-screen')!.getBoundingClientRect();
        const size = [...el.querySelectorAll('.bar span')].map((s) => /^(\d+)×(\d+)$/.exec(s.textContent?.trim() ?? '')).find((m) => m);
        const ta = el.querySelector<HTMLElement>('.xterm-helper-textarea')!.getBoundingClientRect();
        const cols = Number(size![1]);
        const rows = Number(size![2]);
        const cw = screen.width / cols;
        const ch = screen.height / rows;
        const cursorRow = Math.round((ta.top - screen.top) / ch);
        return { x: screen.left + (c + 0.5) * cw, y: screen.top + (cursorRow - 1 + 0.5) * ch };
      }, col);
      await page.mouse.move(pos.x - 5, pos.y);
      await page.mouse.move(pos.x, pos.y, { steps: 3 });
      await page.waitForTimeout(400);
      await page.mouse.click(pos.x, pos.y);
      await page.waitForTimeout(500);
    };
    await page.getByTestId('status-bar').getByRole('button', { name: 'Dismiss message' }).click().catch(() => {});
    await clickAboveCursor(3); // "PLAINLINK" (columns 0-8)
    expect(dialogs).toEqual([]); // xterm's default handler asks with confirm() and opens the http link itself
    expect(popups).toEqual([]);
    expect(await notice(page).innerText()).not.toMatch(/link/i);
    await clickAboveCursor(13); // "SAFELINK" (columns 10-17)
    // The https link goes through app.openExternal, which browser mode refuses (the Electron build opens it).
    await expect.poll(() => notice(page).innerText(), { timeout: 5000 }).toMatch(/^Opening link: /);
    expect(dialogs).toEqual([]);
    expect(popups).toEqual([]);
    page.off('dialog', onDialog);
    await page.getByTestId('status-bar').getByRole('button', { name: 'Dismiss message' }).click();
    await term.getByRole('button', { name: 'Close console delta' }).click();
    await ensureShutoff(page, 'kvm2', 'delta');
  });

  it('the palette takes a guest argument: "pause alpha", "resume alpha", "console web" (item 12)', async () => {
    const { page } = app;
    await filter(page, 'host:kvm1 name:alpha');
    await page.locator('body').click({ position: { x: 800, y: 5 } });
    await palette(page, 'pause alpha');
    const first = page.getByRole('option').first();
    expect(await first.innerText()).toMatch(/Pause alpha/);
    await page.keyboard.press('Enter');
    await waitState(page, 'kvm1', 'alpha', 'paused');
    await palette(page, 'resume alpha');
    expect(await page.getByRole('option').first().innerText()).toMatch(/Resume alpha/);
    await page.keyboard.press('Enter');
    await waitState(page, 'kvm1', 'alpha', ACTIVE);
    await palette(page, 'console web');
    expect(await page.getByRole('option').first().innerText()).toMatch(/Open console web01/);
    await page.keyboard.press('Enter');
    const picker = page.getByTestId('console-picker');
    await tab(page, /^web01 · xen1/).or(picker).first().waitFor({ timeout: 30_000 });
    if (await picker.isVisible().catch(() => false)) await page.keyboard.press('Enter');
    await tab(page, /^web01 · xen1/).waitFor();
    // Recent first: an empty palette starts with the guests just used.
    await palette(page, '');
    expect(await page.getByRole('option').first().innerText()).toMatch(/web01|alpha/);
    await page.keyboard.press('Escape');
    app.assertClean();
  });

  it('the rows’ context menu runs the registry’s commands on the selection', async () => {
    const { page } = app;
    await filter(page, 'host:kvm1 name:alpha');
    await row(page, 'kvm1', 'alpha').click({ button: 'right' });
    const menu = page.getByTestId('guest-menu');
    await menu.waitFor();
    expect(await menu.getByRole('menuitem', { name: /^Start/ }).getAttribute('aria-disabled')).toBe('true');
    await menu.getByRole('menuitem', { name: /^Pause/ }).click();
    await waitState(page, 'kvm1', 'alpha', 'paused');
    // Keyboard: Shift+F10 in the list, arrows, Enter.
    await page.getByRole('grid', { name: 'Guests' }).focus();
    await page.keyboard.press('Shift+F10');
    await menu.waitFor();
    await menu.getByRole('menuitem', { name: /^Resume/ }).focus();
    await page.keyboard.press('Enter');
    await waitState(page, 'kvm1', 'alpha', ACTIVE);
    await menu.waitFor({ state: 'detached' });
    app.assertClean();
  });

  it('the Console button offers the waiting console for a shut-off guest, like the C key (item 10)', async () => {
    const { page } = app;
    await ensureShutoff(page, 'kvm1', 'beta');
    const button = tool(page, 'guest.console');
    expect(await button.isDisabled()).toBe(false);
    expect(await button.getAttribute('title')).toMatch(/waits for the guest/);
    await button.click();
    const betaTab = tab(page, /^beta · kvm1/);
    await betaTab.waitFor({ timeout: 30_000 });
    await expect.poll(() => page.locator('.term[data-guest="beta"] [data-status]').getAttribute('data-status'), { timeout: 15_000 }).toMatch(/^(connecting|attached)$/);
    await page.locator('.term[data-guest="beta"]').getByRole('button', { name: 'Close console beta' }).click();
    await betaTab.waitFor({ state: 'detached' });
    app.assertClean();
  });

  it('after a disconnect a closed tab offers Reconnect, and "Console" reuses the tab (item 9)', async () => {
    const { page } = app;
    const alphaTerm = page.locator('.term[data-guest="alpha"]');
    await page.getByRole('button', { name: 'Disconnect kvm1' }).click();
    await expect.poll(() => alphaTerm.locator('[data-status]').getAttribute('data-status'), { timeout: 30_000 }).toBe('closed');
    await tab(page, /^alpha/).click();
    await alphaTerm.getByRole('button', { name: 'Reconnect' }).waitFor();
    await page.getByRole('button', { name: 'Connect kvm1' }).click();
    await expect.poll(() => page.locator('li[data-host="kvm1"] [data-connection]').getAttribute('data-connection'), { timeout: 60_000 }).toBe('ready');
    await select(page, 'kvm1', 'alpha');
    await tool(page, 'guest.console').click();
    await expect.poll(() => alphaTerm.locator('[data-status]').getAttribute('data-status'), { timeout: 30_000 }).toBe('attached');
    expect(await tab(page, /^alpha · kvm1/).count()).toBe(1);
    await typeInConsole(page, 'alpha', 'echo $((7*8))\r');
    await expect.poll(async () => /^56\s*$/m.test(await consoleText(page, 'alpha')), { timeout: 30_000, interval: 1000 }).toBe(true);
    app.assertClean();
  });

  it('a page reload takes the open consoles over again (item 9)', async () => {
    const { page } = app;
    const before = (await tabs(page).allInnerTexts()).map((t) => t.split('\n')[0]!.trim()).sort();
    expect(before.length).toBeGreaterThanOrEqual(3);
    await page.reload();
    await page.locator('li[data-host="kvm1"]').waitFor();
    await expect.poll(async () => (await tabs(page).allInnerTexts()).map((t) => t.split('\n')[0]!.trim()).sort(), { timeout: 30_000 }).toEqual(before);
    await tab(page, /^alpha/).click();
    const alphaTerm = page.locator('.term[data-guest="alpha"]');
    await expect.poll(() => alphaTerm.locator('[data-status]').getAttribute('data-status'), { timeout: 30_000 }).toBe('attached');
    await typeInConsole(page, 'alpha', 'echo $((8*9))\r');
    await expect.poll(async () => /^72\s*$/m.test(await consoleText(page, 'alpha')), { timeout: 30_000, interval: 1000 }).toBe(true);
    app.assertClean();
  });

  it('shutdown progress follows the guest until it is off; the button is disabled meanwhile (item 4)', async () => {
    const { page } = app;
    await ensureRunning(page, 'kvm1', 'beta');
    await waitBooted(page, 'kvm1', 'beta'); // the kernel must be up to act on the ACPI request
    await select(page, 'kvm1', 'beta');
    const beta = row(page, 'kvm1', 'beta');
    await tool(page, 'guest.shutdown').click();
    await expect.poll(() => beta.innerText(), { timeout: 5000 }).toMatch(/Shutting down…/);
    expect(await tool(page, 'guest.shutdown').isDisabled()).toBe(true);
    // Until the guest is off: the row shows the transition and no "done" is reported early.
    const seen: { state: string | null; text: string; notice: string }[] = [];
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      const state = await beta.getAttribute('data-state');
      seen.push({ state, text: await beta.innerText(), notice: await notice(page).innerText() });
      if (state === 'shutoff') break;
      await page.waitForTimeout(200);
    }
    expect(seen.at(-1)!.state).toBe('shutoff');
    const early = seen.filter((s) => s.state !== 'shutoff' && /Shut down: beta done/.test(s.notice));
    expect(early, 'reported done while beta still ran').toEqual([]);
    const shown = seen.filter((s) => s.state !== 'shutoff');
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.every((s) => /Shutting down…/.test(s.text)), JSON.stringify(shown.slice(0, 5))).toBe(true);
    await expect.poll(() => notice(page).innerText(), { timeout: 5000 }).toBe('Shut down: beta done');
    app.assertClean();
  });

  it('a bulk shutdown of two kvm guests and a xen1 guest asks once and shows per-guest results (item 16, issue 13)', async () => {
    const { page } = app;
    const XEN = 'ci-runner-01';
    await filter(page, `host:xen1 name:${XEN}`);
    if ((await row(page, 'xen1', XEN).count()) === 0) xlCreate(lab, XEN);
    await ensureRunning(page, 'xen1', XEN);
    for (const [h, n] of [['kvm1', 'alpha'], ['kvm2', 'gamma']] as const) {
      await ensureRunning(page, h, n);
      await waitBooted(page, h, n);
    }
    await filter(page, `name:alpha,gamma,${XEN}`);
    await row(page, 'kvm1', 'alpha').click();
    await row(page, 'kvm2', 'gamma').click({ modifiers: ['Control'] });
    await row(page, 'xen1', XEN).click({ modifiers: ['Control'] });
    await details(page).getByRole('heading', { name: '3 guests selected' }).waitFor();
    await tool(page, 'guest.shutdown').click();
    const dlg = page.getByTestId('confirm-dialog');
    await dlg.waitFor();
    expect((await dlg.getByRole('listitem').allInnerTexts()).sort()).toEqual(['alpha', XEN, 'gamma']);
    await dlg.getByRole('button', { name: 'Shut down' }).click();
    const panel = page.getByTestId('task-panel');
    await panel.waitFor();
    const task = panel.locator('li.task').first();
    // While it runs, the per-guest lines are shown.
    await expect.poll(() => task.locator('[data-item-state]').count(), { timeout: 10_000 }).toBe(3);
    await expect.poll(() => task.getAttribute('data-state'), { timeout: 120_000, interval: 500 }).not.toBe('running');
    if ((await task.locator('[data-item-state]').count()) === 0) await task.getByRole('button', { expanded: false }).click();
    const items = task.locator('[data-item-state]');
    const results = Object.fromEntries(await items.evaluateAll((els) => els.map((e) => [e.getAttribute('data-guest'), e.getAttribute('data-item-state')])));
    expect(results).toEqual({ alpha: 'succeeded', gamma: 'succeeded', [XEN]: 'succeeded' });
    expect(await task.getAttribute('data-state')).toBe('succeeded');
    await expect.poll(() => notice(page).innerText()).toBe('Shut down 3 guests: 3 done');
    for (const [h, n] of [['kvm1', 'alpha'], ['kvm2', 'gamma']] as const) await waitState(page, h, n, 'shutoff');
    await row(page, 'xen1', XEN).waitFor({ state: 'detached', timeout: 30_000 }); // transient: gone once off
    await app.screenshot('lab-bulk-shutdown');

    // Restore: a bulk start asks nothing; the xl guest is created again from its config.
    await row(page, 'kvm1', 'alpha').click();
    await row(page, 'kvm2', 'gamma').click({ modifiers: ['Control'] });
    await tool(page, 'guest.start').click();
    expect(await page.getByTestId('confirm-dialog').count()).toBe(0);
    xlCreate(lab, XEN);
    for (const [h, n] of [['kvm1', 'alpha'], ['kvm2', 'gamma'], ['xen1', XEN]] as const) await waitState(page, h, n, ACTIVE);
    app.assertClean();
  });

  it('keyboard help: keycaps do not overlap their text, alternatives are not chords (item 13)', async () => {
    const { page } = app;
    await page.getByRole('button', { name: 'Keyboard shortcuts' }).click();
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor();
    const jump = help.locator('dt', { has: page.locator('kbd', { hasText: 'End' }) });
    const overlap = await jump.evaluate((dt) => {
      const dd = dt.nextElementSibling!.getBoundingClientRect();
      return [...dt.querySelectorAll('kbd')].some((k) => {
        const r = k.getBoundingClientRect();
        return r.right > dd.left && r.left < dd.right && r.bottom > dd.top && r.top < dd.bottom;
      });
    });
    expect(overlap).toBe(false);
    expect(await jump.innerText()).not.toMatch(/\+/);
    const arrows = help.locator('dt', { has: page.locator('kbd', { hasText: '↑' }) });
    expect(await arrows.locator('.plus').count()).toBe(0); // not a chord
    expect(await arrows.locator('.or').allInnerTexts()).toEqual(['or']);
    expect((await help.locator('dt', { has: page.locator('kbd', { hasText: 'K' }) }).first().innerText()).replace(/\s+/g, '')).toBe('Ctrl+K');
    await page.keyboard.press('Escape');
    app.assertClean();
  });
});
