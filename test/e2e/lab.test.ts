/**
 * The renderer end to end against the lab's real hosts (test/lab/README.md): import from a copy of the lab's
 * ssh_config whose known_hosts is empty, so the real backend asks about every host key; check each
 * fingerprint against the lab's real key and accept it in the dialog; see every host's guests in one list, drive a
 * real QEMU guest's lifecycle from the toolbar, type into real consoles (libvirt and xl), filter the fleet,
 * and search a console's scrollback.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeLab } from '../lab/describe-lab';
import { loadLab, type Lab } from '../lab/lab';
import { openApp, runAxe, seriousAxe, type App } from './support/app';
import { answeringPrompts, configWithEmptyKnownHosts, consoleText, filter, openConsoleFromList, row, sha256Fingerprint, typeInConsole, waitState } from './support/lab-ui';

const HOSTS = ['kvm1', 'kvm2', 'fleet', 'xen1'] as const;

describeLab('renderer against the lab (e2e)', () => {
  let app: App;
  let lab: Lab;
  let tmp: string;
  let sshConfig: string;

  beforeAll(async () => {
    lab = loadLab()!;
    tmp = mkdtempSync(path.join(tmpdir(), 'vmdeck-e2e-ssh-'));
    sshConfig = configWithEmptyKnownHosts(lab.sshConfig, tmp);
    app = await openApp({ viewport: { width: 1600, height: 1000 } });
    await app.page.getByRole('navigation', { name: 'Hosts' }).waitFor({ timeout: 90_000 });
  });

  afterAll(async () => {
    if (app) {
      // Leave the lab as we found it: beta is shut off in the lab's initial state.
      try {
        await filter(app.page, 'host:kvm1 name:beta');
        const s = await row(app.page, 'kvm1', 'beta').getAttribute('data-state', { timeout: 2000 });
        if (s && s !== 'shutoff') {
          await row(app.page, 'kvm1', 'beta').click();
          await app.page.getByTestId('details').locator('[data-action="destroy"]').click();
          const dlg = app.page.getByTestId('confirm-dialog');
          if (await dlg.isVisible().catch(() => false)) await dlg.getByRole('button', { name: 'Force off' }).click();
          await waitState(app.page, 'kvm1', 'beta', 'shutoff', 30_000);
        }
      } catch {
        /* best effort */
      }
      await app.close();
    }
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('imports the lab hosts from a copy of $LAB/ssh_config with an empty known_hosts, and accepts each real host key in the dialog', async () => {
    const { page } = app;
    // The copy differs from the lab's file only in the known_hosts lines.
    const original = readFileSync(lab.sshConfig, 'utf8').split('\n');
    const copy = readFileSync(sshConfig, 'utf8').split('\n');
    expect(copy.length).toBe(original.length);
    for (let i = 0; i < copy.length; i++) if (!/^\s*(UserKnownHostsFile|StrictHostKeyChecking)\b/i.test(original[i]!)) expect(copy[i]).toBe(original[i]);
    expect(copy.filter((l) => /^\s*UserKnownHostsFile\b/i.test(l)).every((l) => l.trim().endsWith(path.join(tmp, 'known_hosts')))).toBe(true);
    expect(copy.some((l) => /^\s*UserKnownHostsFile\b/i.test(l))).toBe(true);
    expect(copy.filter((l) => /^\s*StrictHostKeyChecking\b/i.test(l)).every((l) => /\bask$/.test(l.trim()))).toBe(true);
    const expected: Record<string, string> = {};
    for (const h of HOSTS) {
      const key = lab.hosts[h]?.hostKey;
      expect(key, `lab.json has no host key for ${h}`).toBeTruthy();
      expected[h] = sha256Fingerprint(key!);
    }

    await page.getByRole('button', { name: 'Import hosts from ssh_config' }).click();
    const dlg = page.getByRole('dialog', { name: 'Import hosts from ssh_config' });
    await dlg.getByLabel('OpenSSH client config').fill(sshConfig);
    await dlg.getByRole('button', { name: 'Read hosts' }).click();
    await dlg.locator('table').waitFor();
    for (const extra of ['jump', 'inner', 'ct1']) {
      const box = dlg.getByRole('checkbox', { name: `Import ${extra}` });
      if (await box.count()) await box.uncheck();
    }
    for (const h of HOSTS) expect(await dlg.getByRole('checkbox', { name: `Import ${h}` }).isChecked()).toBe(true);
    await app.screenshot('lab-import-dialog');
    await dlg.getByRole('button', { name: /^Import/ }).last().click();
    await dlg.waitFor({ state: 'detached', timeout: 30_000 });

    const asked = await answeringPrompts(
      page,
      expected,
      async () => {
        for (const h of HOSTS) {
          const s = await page.locator(`li[data-host="${h}"] [data-connection]`).getAttribute('data-connection').catch(() => null);
          if (s !== 'ready') return false;
        }
        return true;
      },
      120_000,
    );
    // Every host's key was unknown, so every host asked, once, with its real fingerprint.
    expect([...asked].sort()).toEqual([...HOSTS].sort());
    // The accepted keys were remembered in the server's own (temporary) config dir, not in the lab's files.
    expect(readFileSync(path.join(tmp, 'known_hosts'), 'utf8')).toBe('');
    const remembered = readFileSync(path.join(app.configDir, 'known_hosts'), 'utf8');
    for (const h of HOSTS) expect(remembered).toContain(lab.hosts[h]!.hostKey!.trim().split(/\s+/)[1]);
    // Connection state is shown as words too, and the toolstack badge.
    await expect.poll(() => page.locator('li[data-host="xen1"]').innerText()).toMatch(/Xen[\s\S]*Connected/);
    await expect.poll(() => page.locator('li[data-host="kvm1"]').innerText()).toMatch(/libvirt[\s\S]*Connected/);
    app.assertClean();
  });

  it('shows the guests of kvm1, kvm2, fleet and xen1 in one list', async () => {
    const { page } = app;
    await filter(page, '');
    for (const [host, name] of [['kvm1', 'alpha'], ['kvm2', 'gamma'], ['xen1', 'web01'], ['fleet', 'fleet-0001']] as const) {
      await filter(page, `host:${host} name:${name}`);
      await row(page, host, name).waitFor({ timeout: 60_000 });
    }
    await filter(page, '');
    await expect.poll(async () => Number(/(\d+) guests/.exec(await page.getByTestId('guest-count').innerText())?.[1] ?? 0), { timeout: 60_000 }).toBeGreaterThanOrEqual(1200 + 4 + 4);
    // Virtualised: far fewer rows in the DOM than guests.
    const domRows = await page.locator('[role="row"][data-guest]').count();
    expect(domRows).toBeLessThan(120);
    const rowcount = Number(await page.getByRole('grid', { name: 'Guests' }).getAttribute('aria-rowcount'));
    expect(rowcount).toBeGreaterThan(1200);
    await app.screenshot('lab-all-guests-light');
    const v = seriousAxe(await runAxe(page));
    expect(v, JSON.stringify(v, null, 2)).toEqual([]);
  });

  it('filters the fleet by name and state', async () => {
    const { page } = app;
    await filter(page, 'host:fleet state:paused');
    await expect.poll(async () => page.locator('[role="row"][data-guest]').count()).toBeGreaterThan(0);
    const states = await page.locator('[role="row"][data-guest]').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-state')));
    expect(new Set(states)).toEqual(new Set(['paused']));
    await filter(page, 'fleet-00 state:shutoff');
    await expect.poll(async () => page.locator('[role="row"][data-guest]').count()).toBeGreaterThan(0);
    const rows = await page.locator('[role="row"][data-guest]').evaluateAll((rs) => rs.map((r) => [r.getAttribute('data-guest'), r.getAttribute('data-state')]));
    for (const [n, s] of rows) {
      expect(n).toContain('fleet-00');
      expect(s).toBe('shutoff');
    }
    expect(await page.getByTestId('guest-count').innerText()).toMatch(/\d+ of \d+ guests/);
    await app.screenshot('lab-fleet-filtered');
    // Scrolling 1,200 rows keeps the DOM small.
    await filter(page, 'host:fleet');
    const grid = page.getByRole('grid', { name: 'Guests' });
    await grid.focus();
    await page.keyboard.press('End');
    await page.waitForTimeout(200);
    expect(await page.locator('[role="row"][data-guest]').count()).toBeLessThan(120);
  });

  it('starts, pauses and resumes a real kvm1 guest from the toolbar; each state arrives without reload', async () => {
    const { page } = app;
    await filter(page, 'host:kvm1');
    const beta = row(page, 'kvm1', 'beta');
    await beta.click();
    const details = page.getByTestId('details');
    await details.getByRole('heading', { name: 'beta' }).waitFor();
    if ((await beta.getAttribute('data-state')) !== 'shutoff') {
      await details.locator('[data-action="destroy"]').click();
      const dlg = page.getByTestId('confirm-dialog');
      await dlg.getByRole('button', { name: 'Force off' }).click();
      await waitState(page, 'kvm1', 'beta', 'shutoff');
    }
    const reloads: string[] = [];
    page.on('framenavigated', (f) => reloads.push(f.url()));

    await details.locator('[data-action="start"]').click();
    await waitState(page, 'kvm1', 'beta', /^(running|blocked)$/);
    await details.locator('[data-action="pause"]').click();
    await waitState(page, 'kvm1', 'beta', 'paused');
    await app.screenshot('lab-kvm1-paused');
    await details.locator('[data-action="resume"]').click();
    await waitState(page, 'kvm1', 'beta', /^(running|blocked)$/);

    // Force off asks first (a real modal dialog), Cancel keeps the guest running.
    await details.locator('[data-action="destroy"]').click();
    const dlg = page.getByTestId('confirm-dialog');
    await dlg.waitFor();
    expect(await dlg.evaluate((d) => d.matches(':modal'))).toBe(true);
    await page.keyboard.press('Escape');
    await dlg.waitFor({ state: 'detached' });
    expect(await beta.getAttribute('data-state')).toMatch(/^(running|blocked)$/);
    expect(reloads).toEqual([]);
    app.assertClean();
  });

  it('opens a kvm1 console from the list and runs a command', async () => {
    const { page } = app;
    // The lab is shared with other suites: bring alpha to running first if someone left it otherwise.
    await filter(page, 'host:kvm1 name:alpha');
    const alpha = row(page, 'kvm1', 'alpha');
    await alpha.click();
    const state = await alpha.getAttribute('data-state');
    if (state === 'paused') await page.getByTestId('details').locator('[data-action="resume"]').click();
    if (state === 'shutoff') await page.getByTestId('details').locator('[data-action="start"]').click();
    await waitState(page, 'kvm1', 'alpha', /^(running|blocked)$/);
    await openConsoleFromList(page, 'kvm1', 'alpha');
    await typeInConsole(page, 'alpha', '\r');
    await typeInConsole(page, 'alpha', 'echo $((6*7))\r');
    await expect.poll(async () => /^42\s*$/m.test(await consoleText(page, 'alpha')), { timeout: 30_000, interval: 1000 }).toBe(true);
    await app.screenshot('lab-console-kvm1');
    app.assertClean();
  });

  it('opens a xen1 console and runs a command', async () => {
    const { page } = app;
    await openConsoleFromList(page, 'xen1', 'web01');
    await typeInConsole(page, 'web01', '\r');
    await typeInConsole(page, 'web01', 'echo $((6*7))\r');
    await expect.poll(async () => /^42\s*$/m.test(await consoleText(page, 'web01')), { timeout: 30_000, interval: 1000 }).toBe(true);
    // Both consoles are tabs beside the details.
    expect(await page.getByRole('tablist', { name: 'Open consoles' }).getByRole('tab').count()).toBe(2);
    await app.screenshot('lab-console-xen1');
    app.assertClean();
  });

  it('finds a line that scrolled far out of view with the console search', async () => {
    const { page } = app;
    await page.getByRole('tablist', { name: 'Open consoles' }).getByRole('tab', { name: /^alpha\b/ }).click();
    const marker = `marker-${Date.now().toString(36)}`;
    await typeInConsole(page, 'alpha', `echo ${marker}; seq 1 400\r`);
    const term = page.locator('.term[data-guest="alpha"]');
    await page.keyboard.press('Control+Shift+F');
    const box = term.getByRole('searchbox', { name: 'Find in console' });
    await box.waitFor();
    // The output ends with 400 on a line of its own (regex search), far below the marker.
    await term.getByRole('button', { name: 'Regular expression' }).click();
    await box.fill('^400\\s*$');
    await expect.poll(async () => (await box.press('Enter'), term.locator('.count').innerText()), { timeout: 30_000, interval: 500 }).toMatch(/^1 of 1$/);
    await term.getByRole('button', { name: 'Regular expression' }).click();
    await box.fill(marker);
    await box.press('Enter');
    // The command line echo and the output line both contain the marker; both scrolled out of view.
    await expect.poll(() => term.locator('.count').innerText(), { timeout: 10_000 }).toMatch(/^\d of 2$/);
    await app.screenshot('lab-console-search');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForTimeout(200);
    await app.screenshot('lab-console-search-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await box.press('Escape');
    app.assertClean();
  });
});
