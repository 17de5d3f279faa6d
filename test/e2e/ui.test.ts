/**
 * The renderer's features in Chromium against the scripted backend (support/fake-backend.ts): a 5,000-guest
 * virtual list, sorting, filtering, selection, details, lifecycle with a failure, every prompt kind, the
 * console (xterm, search, OSC 52, paste as keystrokes, logging), the console device picker, the palette and
 * the activity log.
 * Screenshots of each view go to test-results/screenshots/.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openApp, runAxe, seriousAxe, type App } from './support/app';

const rows = (page: Page) => page.locator('[role="row"][data-guest]');
const row = (page: Page, name: string) => page.locator(`[role="row"][data-guest="${name}"]`);

async function consoleText(page: Page, guest: string): Promise<string> {
  const term = page.locator(`.term[data-guest="${guest}"]`);
  const [download] = await Promise.all([page.waitForEvent('download'), term.getByRole('button', { name: 'Save scrollback to a file' }).click()]);
  return readFileSync((await download.path())!, 'utf8').replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '');
}

describe('renderer features (scripted backend)', () => {
  let app: App;

  beforeAll(async () => {
    app = await openApp({ backend: 'fake', viewport: { width: 1600, height: 1000 } });
    await row(app.page, 'alpha').waitFor();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('virtualises 5,000+ guests and scrolls them smoothly', async () => {
    const { page } = app;
    const grid = page.getByRole('grid', { name: 'Guests' });
    expect(await grid.getAttribute('aria-rowcount')).toBe(String(5009 + 1));
    expect(await rows(page).count()).toBeLessThan(80);
    const indexes = await rows(page).evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('aria-rowindex'))));
    expect(indexes[0]).toBe(2);

    // Scroll the whole list with the wheel and measure frame times in the page.
    const scroller = page.locator('.scroller');
    await scroller.hover();
    await page.evaluate(() => {
      const w = window as unknown as { __frames: number[] };
      w.__frames = [];
      let last = performance.now();
      const f = (t: number) => {
        w.__frames.push(t - last);
        last = t;
        if (w.__frames.length < 2000) requestAnimationFrame(f);
      };
      requestAnimationFrame(f);
    });
    for (let i = 0; i < 60; i++) {
      await page.mouse.wheel(0, 2000);
      await page.waitForTimeout(16);
    }
    const frames = await page.evaluate(() => (window as unknown as { __frames: number[] }).__frames.slice(1));
    frames.sort((a, b) => a - b);
    const p95 = frames[Math.floor(frames.length * 0.95)]!;
    expect(p95).toBeLessThan(100); // headless without GPU on 2 cores: generous, still catches a DOM of 5,000 rows
    expect(await rows(page).count()).toBeLessThan(80);

    await grid.focus();
    await page.keyboard.press('End');
    await row(page, 'win2019-test-02').waitFor();
    const last = await rows(page).last().getAttribute('aria-rowindex');
    expect(Number(last)).toBe(5009 + 1);
    await page.keyboard.press('Home');
    await row(page, 'alpha').waitFor();
    app.assertClean();
  });

  it('sorts by column with aria-sort', async () => {
    const { page } = app;
    await page.getByRole('button', { name: 'Sort by CPU' }).click();
    const header = page.getByRole('columnheader', { name: 'Sort by CPU' });
    expect(await header.getAttribute('aria-sort')).toBe('descending');
    await page.getByRole('button', { name: 'Sort by Memory' }).click();
    const mems = await rows(page).evaluateAll((rs) => rs.slice(0, 5).map((r) => r.children[4]!.textContent));
    expect(mems[0]).toBe('16 GiB');
    await page.getByRole('button', { name: 'Sort by Name' }).click();
    expect(await page.getByRole('columnheader', { name: 'Sort by Name' }).getAttribute('aria-sort')).toBe('ascending');
  });

  it('filters by name, host and state', async () => {
    const { page } = app;
    const box = page.getByTestId('guest-filter');
    await box.fill('state:paused web');
    await expect.poll(() => rows(page).evaluateAll((rs) => rs.map((r) => r.getAttribute('data-guest')))).toEqual(['web-01']);
    await box.fill('host:fleet state:crashed fleet-00');
    await expect.poll(async () => rows(page).count()).toBeGreaterThan(0);
    const states = await rows(page).evaluateAll((rs) => rs.map((r) => r.getAttribute('data-state')));
    expect(new Set(states)).toEqual(new Set(['crashed']));
    expect(await page.getByTestId('guest-count').innerText()).toMatch(/^\d+ of 5009 guests/);
    await box.fill('-state:running,blocked,paused,shutoff,crashed,pmsuspended,shutdown');
    await page.getByText('No guest matches').waitFor();
    await box.press('Escape');
    expect(await box.inputValue()).toBe('');
  });

  it('multi-selects with ctrl and shift, groups by host', async () => {
    const { page } = app;
    await page.getByTestId('guest-filter').fill('host:kvm1');
    await row(page, 'alpha').click();
    await row(page, 'db-primary').click({ modifiers: ['Shift'] });
    await row(page, 'beta').click({ modifiers: ['Control'] });
    const sel = await rows(page).evaluateAll((rs) => rs.filter((r) => r.getAttribute('aria-selected') === 'true').map((r) => r.getAttribute('data-guest')));
    expect(sel).toEqual(['alpha', 'db-primary']);
    await page.getByTestId('details').getByRole('heading', { name: '2 guests selected' }).waitFor();
    await page.getByTestId('guest-filter').fill('');
    await page.getByRole('button', { name: 'Group by host' }).click();
    await page.getByRole('button', { name: 'Collapse fleet' }).waitFor();
    await page.getByRole('button', { name: 'Collapse fleet' }).click();
    await row(page, 'web01').waitFor();
    await app.screenshot('ui-grouped-light');
    await page.getByRole('button', { name: 'Expand fleet' }).click();
    await page.getByRole('button', { name: 'Group by host' }).click();
  });

  it('shows details: overview, hardware and read-only raw config with Copy', async () => {
    const { page } = app;
    await page.getByTestId('guest-filter').fill('host:kvm1 alpha');
    await row(page, 'alpha').click();
    const d = page.getByTestId('details');
    await d.getByRole('heading', { name: 'alpha' }).waitFor();
    await d.getByRole('img', { name: /^CPU over the last/ }).waitFor();
    await d.getByRole('tab', { name: 'Hardware' }).click();
    await d.getByText('/var/lib/libvirt/images/alpha.qcow2').waitFor();
    await d.getByText('VNC').waitFor();
    await d.getByRole('tab', { name: 'Configuration' }).click();
    const pre = d.getByLabel('Raw configuration');
    expect(await pre.innerText()).toContain("<domain type='kvm'>");
    await d.getByRole('button', { name: 'Copy' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toContain('<name>alpha</name>');
    await app.screenshot('ui-details-config-light');
    await d.getByRole('tab', { name: 'Overview' }).click();
  });

  it('runs lifecycle actions with progress; failures show code, stderr and command', async () => {
    const { page } = app;
    await page.getByTestId('guest-filter').fill('host:kvm1');
    await row(page, 'beta').click();
    const d = page.getByTestId('details');
    expect(await d.locator('[data-action="pause"]').isDisabled()).toBe(true);
    await d.locator('[data-action="start"]').click();
    await d.getByRole('status').filter({ hasText: 'Starting' }).waitFor();
    await expect.poll(() => row(page, 'beta').getAttribute('data-state')).toBe('running');
    await d.locator('[data-action="save"]').click();
    const alert = d.getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toContain('COMMAND_FAILED');
    await alert.getByText('Details').click();
    expect(await alert.innerText()).toContain('domain save image dir is not writable');
    expect(await alert.innerText()).toContain("virsh save -- beta");
    await app.screenshot('ui-action-failure-light');

    await d.locator('[data-action="destroy"]').click();
    const dlg = page.getByTestId('confirm-dialog');
    await dlg.waitFor();
    expect(await dlg.evaluate((x) => x.matches(':modal'))).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('confirm-cancel');
    expect(seriousAxe(await runAxe(page, '[data-testid="confirm-dialog"]'))).toEqual([]);
    await app.screenshot('ui-confirm-force-off');
    await dlg.getByRole('button', { name: 'Force off' }).click();
    await expect.poll(() => row(page, 'beta').getAttribute('data-state')).toBe('shutoff');
    app.assertClean();
  });

  it('asks host-key, mismatch and password prompts in modal dialogs', async () => {
    const { page } = app;
    await page.getByRole('button', { name: 'Add host', exact: true }).click();
    const add = page.getByRole('dialog', { name: 'Add host' });
    await add.getByLabel('Name').fill('kvm9');
    await add.getByLabel('Address or ssh_config alias').fill('kvm9.lab');
    await add.getByRole('button', { name: 'Add host' }).click();
    const hk = page.getByTestId('prompt-host-key');
    await hk.waitFor();
    expect(await hk.getByTestId('fingerprint').innerText()).toMatch(/^SHA256:/);
    expect(await hk.innerText()).toContain('ssh-ed25519');
    expect(seriousAxe(await runAxe(page, '[data-testid="prompt-host-key"]'))).toEqual([]);
    await app.screenshot('ui-prompt-host-key');
    await hk.getByRole('button', { name: 'Accept and remember' }).click();
    await expect.poll(() => page.locator('li[data-host="kvm9"] [data-connection]').getAttribute('data-connection')).toBe('ready');

    await page.getByRole('button', { name: 'Connect old-lab' }).click();
    const mm = page.getByTestId('prompt-host-key-mismatch');
    await mm.waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('pk-reject');
    expect(await mm.innerText()).toContain('Known key');
    await app.screenshot('ui-prompt-host-key-mismatch');
    await page.keyboard.press('Escape');
    await mm.waitFor({ state: 'detached' });
    await expect.poll(() => page.locator('li[data-host="old-lab"] [data-connection]').getAttribute('data-connection')).toBe('failed');

    await page.getByRole('button', { name: 'Connect new-box' }).click();
    const pw = page.getByTestId('prompt-auth');
    await pw.waitFor();
    expect(await pw.locator('input[type="password"]').count()).toBe(1);
    expect(await pw.getByText('Remember').count()).toBe(0); // canRemember is false in browser mode
    await pw.locator('input[type="password"]').fill('secret');
    await app.screenshot('ui-prompt-password');
    await page.keyboard.press('Enter');
    await pw.waitFor({ state: 'detached' });
    app.assertClean();
  });

  it('opens a console in one click, echoes, searches, blocks OSC 52, logs, pastes as keystrokes', async () => {
    const { page } = app;
    await page.getByTestId('guest-filter').fill('host:kvm1 alpha');
    await row(page, 'alpha').getByRole('button', { name: 'Open console for alpha' }).click();
    const term = page.locator('.term[data-guest="alpha"]');
    await expect.poll(() => term.locator('[data-status]').getAttribute('data-status')).toBe('attached');
    await term.locator('.xterm').click();
    await page.keyboard.type('echo $((6*7))\r', { delay: 5 });
    await expect.poll(async () => /^42\s*$/m.test(await consoleText(page, 'alpha'))).toBe(true);

    await term.locator('.xterm').click();
    await page.keyboard.type('echo needle-far-away; seq 1 3000\r', { delay: 2 });
    await expect.poll(async () => /^3000\s*$/m.test(await consoleText(page, 'alpha'))).toBe(true);
    await term.locator('.xterm').click();
    await page.keyboard.press('Control+Shift+F');
    const box = term.getByRole('searchbox', { name: 'Find in console' });
    await box.fill('needle-far-away');
    await box.press('Enter');
    await expect.poll(() => term.locator('.count').innerText()).toMatch(/^\d of 2$/);
    await app.screenshot('ui-console-search-light');
    await box.press('Escape');

    await term.locator('.xterm').click();
    await page.keyboard.type('osc52\r', { delay: 5 });
    await term.getByText('clipboard write blocked').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).not.toBe('hello');

    await term.getByRole('button', { name: 'Log this session to a file' }).click();
    await term.getByText(/consoles\/alpha-.*\.log/).waitFor();

    await page.evaluate(() => navigator.clipboard.writeText('echo typed-1\necho typed-2\n'));
    await term.getByRole('button', { name: 'Paste as keystrokes' }).click();
    const pd = page.getByTestId('paste-dialog');
    await pd.waitFor();
    expect(await pd.getByLabel(/^Text/).inputValue()).toBe('echo typed-1\necho typed-2\n');
    expect(await pd.getByLabel('Characters per chunk').inputValue()).toBe('16');
    await app.screenshot('ui-paste-keystrokes');
    await pd.getByRole('button', { name: 'Type it' }).click();
    await expect.poll(async () => /^typed-2\s*$/m.test(await consoleText(page, 'alpha'))).toBe(true);

    await term.getByRole('button', { name: 'Set guest terminal size' }).click();
    await expect.poll(async () => /stty rows \d+ cols \d+/.test(await consoleText(page, 'alpha'))).toBe(true);

    // A second console is a second tab; closing a tab removes it.
    await page.getByTestId('guest-filter').fill('host:xen1 web01');
    await row(page, 'web01').getByRole('button', { name: 'Open console for web01' }).click();
    await expect.poll(() => page.getByRole('tablist', { name: 'Open consoles' }).getByRole('tab').count()).toBe(2);
    await app.screenshot('ui-consoles-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForTimeout(200);
    await app.screenshot('ui-consoles-dark');
    expect(seriousAxe(await runAxe(page))).toEqual([]);
    await page.emulateMedia({ colorScheme: 'light' });
    await page.getByRole('button', { name: 'Close console web01' }).click();
    await expect.poll(() => page.getByRole('tablist', { name: 'Open consoles' }).getByRole('tab').count()).toBe(1);
    app.assertClean();
  });

  it('asks which console device to open when a guest has several; one device, or none listed, opens directly', async () => {
    const { page } = app;
    const fake = app.fake!;
    const tabs = page.getByRole('tablist', { name: 'Open consoles' }).getByRole('tab');
    const focusedDevice = () => page.evaluate(() => document.activeElement?.getAttribute('data-device') ?? null);
    await page.getByTestId('guest-filter').fill('host:kvm1 router-01');
    await row(page, 'router-01').click();

    // Keyboard `c` on the focused row asks; Escape cancels without opening anything.
    let n = fake.opened.length;
    await page.keyboard.press('c');
    const picker = page.getByRole('dialog', { name: 'Open console — router-01' });
    await picker.waitFor();
    expect(await picker.evaluate((d) => d.matches(':modal'))).toBe(true);
    expect(await picker.getByRole('list', { name: 'Console devices' }).getByRole('button').allInnerTexts()).toEqual([
      expect.stringContaining('Serial 0 (boot log)'),
      expect.stringContaining('Serial 1 (management)'),
    ]);
    await expect.poll(focusedDevice).toBe('serial0');
    await page.keyboard.press('Escape');
    await picker.waitFor({ state: 'detached' });
    expect(fake.opened.length).toBe(n);
    expect(await page.locator('.term[data-guest="router-01"]').count()).toBe(0);

    // The row's console button asks too; the second device is chosen with the keyboard.
    await row(page, 'router-01').getByRole('button', { name: 'Open console for router-01' }).click();
    await picker.waitFor();
    await expect.poll(focusedDevice).toBe('serial0');
    await app.screenshot('ui-console-picker');
    expect(seriousAxe(await runAxe(page, '[data-testid="console-picker"]'))).toEqual([]);
    await page.keyboard.press('ArrowDown');
    expect(await focusedDevice()).toBe('serial1');
    await page.keyboard.press('Enter');
    await picker.waitFor({ state: 'detached' });
    const term = page.locator('.term[data-guest="router-01"]');
    await expect.poll(() => term.locator('[data-status]').getAttribute('data-status')).toBe('attached');
    expect(fake.opened.slice(n)).toEqual([{ guest: 'router-01', device: 'serial1' }]);
    await expect.poll(async () => (await consoleText(page, 'router-01')).includes("Connected to domain 'router-01' (device serial1)")).toBe(true);
    // The tab says which device.
    expect(await tabs.filter({ hasText: 'router-01' }).innerText()).toContain('router-01 · kvm1 · serial1');

    // One device: no question, the default console opens.
    n = fake.opened.length;
    await page.getByTestId('guest-filter').fill('host:kvm1 db-primary');
    await row(page, 'db-primary').getByRole('button', { name: 'Open console for db-primary' }).click();
    await expect.poll(() => page.locator('.term[data-guest="db-primary"] [data-status]').getAttribute('data-status')).toBe('attached');
    expect(await page.getByTestId('console-picker').count()).toBe(0);
    expect(fake.opened.slice(n)).toEqual([{ guest: 'db-primary' }]);
    expect(await tabs.filter({ hasText: 'db-primary' }).innerText()).toMatch(/^db-primary · kvm1\s*\(/); // guest and host, no device

    // The devices cannot be listed: the default console opens all the same.
    n = fake.opened.length;
    await page.getByTestId('guest-filter').fill('host:xen1 mail');
    await row(page, 'mail').getByRole('button', { name: 'Open console for mail' }).click();
    await expect.poll(() => page.locator('.term[data-guest="mail"] [data-status]').getAttribute('data-status')).toBe('attached');
    expect(await page.getByTestId('console-picker').count()).toBe(0);
    expect(fake.opened.slice(n)).toEqual([{ guest: 'mail' }]);

    for (const name of ['router-01', 'db-primary', 'mail']) {
      await tabs.filter({ hasText: name }).click();
      await page.getByRole('button', { name: `Close console ${name}` }).click();
      await page.locator(`.term[data-guest="${name}"]`).waitFor({ state: 'detached' });
    }
    app.assertClean();
  });

  it('command palette goes to a guest and runs actions; activity log filters', async () => {
    const { page } = app;
    await page.getByTestId('guest-filter').fill('');
    await page.getByRole('grid', { name: 'Guests' }).focus();
    await page.keyboard.press('Control+k');
    const pal = page.getByRole('dialog', { name: 'Command palette' });
    await pal.waitFor();
    await page.keyboard.type('fleet-4242');
    await app.screenshot('ui-palette');
    await page.keyboard.press('Enter');
    await pal.waitFor({ state: 'detached' });
    await page.getByTestId('details').getByRole('heading', { name: 'fleet-4242' }).waitFor();
    expect(await row(page, 'fleet-4242').getAttribute('aria-selected')).toBe('true');

    await page.keyboard.press('Control+j');
    const act = page.getByTestId('activity');
    await act.waitFor();
    // The user's actions come first; the commands vmdeck ran are one choice away.
    await act.getByTestId('activity-kind').selectOption('commands');
    await act.getByLabel('Filter activity by text').fill('xl list');
    await expect.poll(async () => act.locator('tbody tr').count()).toBeGreaterThan(5);
    const cmds = await act.locator('tbody td.cmd').allInnerTexts();
    for (const c of cmds) expect(c).toContain('xl list');
    await act.getByLabel('Filter activity by text').fill('');
    await act.getByLabel('Failures only').check();
    await expect.poll(async () => act.locator('tbody tr').count()).toBeGreaterThan(0);
    await app.screenshot('ui-activity-light');
    expect(seriousAxe(await runAxe(page))).toEqual([]);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForTimeout(150);
    await app.screenshot('ui-activity-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    app.assertClean();
  });
});
