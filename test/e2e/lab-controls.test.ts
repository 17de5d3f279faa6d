/**
 * Every control of every view, pressed at least once, against the lab (issue 12: "Remove host" always failed
 * because no test ever pressed it). Discovery-based: each view is walked for its enabled buttons, tabs, menu
 * items and palette commands, and every one found is pressed; any error in the status bar or in the page's
 * console fails the test at the control that caused it. A short explicit list of destructive controls is pressed
 * in a safe way: confirmations are cancelled once, then confirmed on throwaway targets (the bastion `jump` as a
 * host, xen1's `ci-runner-01` as a guest). Each view must offer at least a minimum number of controls, so the
 * test fails when controls vanish; controls added later are picked up by the discovery.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { describeLab } from '../lab/describe-lab';
import { loadLab, type Lab } from '../lab/lab';
import { openApp, type App } from './support/app';
import { configWithEmptyKnownHosts, filter, importLabHosts, openConsoleFromList, row, waitBooted, waitState } from './support/lab-ui';

const HOSTS = ['kvm1', 'kvm2', 'xen1', 'jump'] as const;
/** The throwaway guest whose lifecycle buttons are all pressed: kvm2's delta (a real QEMU guest, shut off in the lab's initial state). */
const THROWAWAY = { host: 'kvm2', name: 'delta' };
/** The toolbar's lifecycle commands in an order that walks the guest through every state they need. */
const LIFECYCLE_ORDER = ['guest.pause', 'guest.resume', 'guest.reboot', 'guest.reset', 'guest.save', 'guest.start', 'booted', 'guest.shutdown', 'guest.start', 'guest.destroy'];

const CONTROLS = 'button:not([disabled]), [role="tab"]:not([aria-disabled="true"]), [role="menuitem"]:not([aria-disabled="true"]), input[type="checkbox"]:not([disabled])';
/** Buttons that close or submit a dialog: pressed by the dialog walk last (cancel), never in its discovery. */
const DIALOG_EXIT = /^(Cancel|Close|Reject|×|Accept and remember|Replace key and connect|Import.*|Add host|Save host|Save anyway|Save|Remove host|Force off|Reset|Shut down|Reboot|Pause|Send|Type it|Open)$/;

interface Tally {
  pressed: Map<string, Set<string>>;
}

describeLab('every control of every view (e2e, lab)', () => {
  let app: App;
  let lab: Lab;
  let tmp: string;
  const tally: Tally = { pressed: new Map() };

  beforeAll(async () => {
    lab = loadLab()!;
    tmp = mkdtempSync(path.join(tmpdir(), 'vmdeck-e2e-controls-'));
    app = await openApp({ viewport: { width: 1600, height: 1000 } });
    await app.page.getByRole('navigation', { name: 'Hosts' }).waitFor({ timeout: 90_000 });
  });

  afterAll(async () => {
    if (app) {
      try {
        await ensure(app.page, THROWAWAY.host, THROWAWAY.name, 'shutoff');
      } catch {
        /* best effort */
      }
      await app.close();
    }
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    const lines = [...tally.pressed].map(([view, s]) => `${view}: ${s.size} (${[...s].join(', ')})`);
    console.log(`controls pressed per view:\n${lines.join('\n')}`);
  });

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && app) await app.screenshot('lab-controls-failure').catch(() => {});
  });

  /** Fails on an error in the status bar or in the page; names the control that caused it. */
  async function check(what: string): Promise<void> {
    const { page } = app;
    const n = page.getByTestId('status-notice');
    const tone = await n.getAttribute('data-tone').catch(() => '');
    expect(tone === 'error' ? await n.innerText() : '', `status bar error after ${what}`).toBe('');
    try {
      app.assertClean();
    } catch (e) {
      throw new Error(`after ${what}: ${(e as Error).message}`);
    }
  }

  function note(view: string, id: string): void {
    let s = tally.pressed.get(view);
    if (!s) tally.pressed.set(view, (s = new Set()));
    s.add(id);
  }

  async function identity(el: Locator): Promise<string> {
    return el.evaluate((e) => {
      const cmd = e.getAttribute('data-command');
      const label = e.getAttribute('aria-label') ?? (e.getAttribute('role') === 'tab' ? (e.textContent ?? '').split(/[(\n]/)[0] : e.textContent) ?? '';
      return (cmd ? `${cmd}` : label.replace(/\s+/g, ' ').trim() || e.getAttribute('title') || e.tagName).slice(0, 80);
    });
  }

  const openDialog = (page: Page) => page.locator('dialog[open]');

  /** Presses every control inside an open dialog (except the ones that close or submit it), then cancels it. */
  async function walkDialog(view: string): Promise<void> {
    const { page } = app;
    const dlg = openDialog(page);
    const name = (await dlg.getAttribute('aria-labelledby').then((id) => (id ? page.locator(`#${id}`).innerText() : 'dialog')).catch(() => 'dialog')).trim();
    const v = `dialog ${name.replace(/ — .*| \S+\?$/, '')}`;
    const done = new Set<string>();
    for (let round = 0; round < 40; round++) {
      if (!(await dlg.isVisible().catch(() => false))) break;
      let next: Locator | null = null;
      let nextId = '';
      for (const el of await dlg.locator(CONTROLS).all()) {
        if (!(await el.isVisible().catch(() => false))) continue;
        const id = await identity(el);
        if (done.has(id) || DIALOG_EXIT.test(id)) continue;
        next = el;
        nextId = id;
        break;
      }
      if (!next) break;
      done.add(nextId);
      await next.click({ timeout: 20_000 }).catch(() => {});
      await page.waitForTimeout(150);
      note(v, nextId);
      await check(`${v} › ${nextId}`);
    }
    if (await dlg.isVisible().catch(() => false)) {
      const cancel = dlg.getByRole('button', { name: /^(Cancel|Close|Reject)$/ }).first();
      if (await cancel.isVisible().catch(() => false)) await cancel.click();
      else await page.keyboard.press('Escape');
      note(v, 'cancel');
    }
    await dlg.waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {});
    await check(`${v} › cancel`);
    note(view, `→ ${v}`);
  }

  /**
   * Presses every enabled control found in `scope` once (re-discovering after each press, since a press can
   * add controls), except those `skip` claims. A press that opens a dialog walks the dialog.
   */
  async function walk(view: string, scope: () => Locator, skip: (id: string) => boolean = () => false, special: Record<string, (el: Locator) => Promise<void>> = {}): Promise<void> {
    const { page } = app;
    const done = new Set<string>();
    for (let round = 0; round < 120; round++) {
      let next: Locator | null = null;
      let nextId = '';
      for (const el of await scope().locator(CONTROLS).all()) {
        if (!(await el.isVisible().catch(() => false))) continue;
        const id = await identity(el);
        if (done.has(id) || skip(id)) continue;
        next = el;
        nextId = id;
        break;
      }
      if (!next) return;
      done.add(nextId);
      const handler = Object.entries(special).find(([re]) => new RegExp(re).test(nextId))?.[1];
      if (handler) await handler(next);
      else {
        await next.click({ timeout: 20_000 });
        await page.waitForTimeout(150);
      }
      note(view, nextId);
      if (await openDialog(page).isVisible().catch(() => false)) await walkDialog(view);
      const menu = page.getByTestId('guest-menu');
      if (await menu.isVisible().catch(() => false)) await page.keyboard.press('Escape');
      await check(`${view} › ${nextId}`);
    }
  }

  async function hostState(page: Page, host: string): Promise<string | null> {
    return page.locator(`li[data-host="${host}"] [data-connection]`).getAttribute('data-connection').catch(() => null);
  }

  async function ensure(page: Page, host: string, name: string, state: 'shutoff' | 'running'): Promise<void> {
    await filter(page, `host:${host} name:${name}`);
    await row(page, host, name).click();
    const s = await row(page, host, name).getAttribute('data-state');
    if (state === 'shutoff' && s !== 'shutoff') {
      await page.getByTestId('details').locator('[data-command="guest.destroy"]').click();
      await page.getByTestId('confirm-dialog').getByRole('button', { name: 'Force off' }).click();
    } else if (state === 'running' && !/^(running|blocked)$/.test(s ?? '')) {
      if (s === 'paused') await page.getByTestId('details').locator('[data-command="guest.resume"]').click();
      else await page.getByTestId('details').locator('[data-command="guest.start"]').click();
    }
    await waitState(page, host, name, state === 'shutoff' ? 'shutoff' : /^(running|blocked)$/);
  }

  it('presses every button, tab, menu item, palette command and shortcut of every view without an error', async () => {
    const { page } = app;
    const keys = Object.fromEntries(HOSTS.map((h) => [h, lab.hosts[h]!.hostKey!]));
    await importLabHosts(page, configWithEmptyKnownHosts(lab.sshConfig, tmp), keys, HOSTS, ['kvm1', 'kvm2', 'xen1']);
    await check('import');
    await ensure(page, THROWAWAY.host, THROWAWAY.name, 'running');
    await ensure(page, 'kvm1', 'alpha', 'running');

    // ---- header
    await walk('header', () => page.locator('header.top'));

    // ---- sidebar: disconnect/connect wait for the host; Remove is cancelled here and confirmed on `jump` below.
    await walk(
      'sidebar',
      () => page.getByRole('navigation', { name: 'Hosts' }),
      (id) => id === 'Remove jump',
      {
        '^Disconnect ': async (el) => {
          const host = (await el.getAttribute('aria-label'))!.replace(/^Disconnect /, '');
          await el.click();
          await expect.poll(() => hostState(page, host), { timeout: 30_000 }).toBe('disconnected');
          await page.getByRole('button', { name: `Connect ${host}` }).click();
          await expect.poll(() => hostState(page, host), { timeout: 60_000 }).toMatch(host === 'jump' ? /^(ready|failed|disconnected)$/ : /^ready$/);
          note('sidebar', `Connect ${host}`);
        },
        '^Connect ': async (el) => {
          const host = (await el.getAttribute('aria-label'))!.replace(/^Connect /, '');
          await el.click();
          await expect.poll(() => hostState(page, host), { timeout: 60_000 }).not.toMatch(/^(connecting|verifying|authenticating)$/);
        },
      },
    );
    // The destructive one, confirmed on the throwaway host.
    await page.getByRole('button', { name: 'Remove jump' }).click();
    await page.getByTestId('remove-host-dialog').getByRole('button', { name: 'Remove host' }).click();
    await page.locator('li[data-host="jump"]').waitFor({ state: 'detached', timeout: 15_000 });
    note('sidebar', 'Remove jump (confirmed)');
    await check('Remove jump');
    await filter(page, '');

    // ---- list bar and grid header (sort buttons, group by host, group headers)
    // (A row's console button opens a console: pressed through the console view and the C key below.)
    await walk('list', () => page.locator('.listarea'), (id) => id.startsWith('Open console for'));
    // Grouping was toggled an even number of times by the walk only if it was pressed twice: make sure it is off.
    if ((await page.getByRole('button', { name: 'Group by host' }).getAttribute('aria-pressed')) === 'true') await page.getByRole('button', { name: 'Group by host' }).click();

    // ---- details of the throwaway guest: tabs, its own buttons, then every lifecycle command in a loop
    await filter(page, `host:${THROWAWAY.host} name:${THROWAWAY.name}`);
    await row(page, THROWAWAY.host, THROWAWAY.name).click();
    const details = page.getByTestId('details');
    await walk('details', () => details, (id) => id.startsWith('guest.'), {
      // A checkbox (autostart): on, then off again, so the lab keeps its state.
      '^INPUT$': async (el) => {
        await el.click();
        await expect.poll(() => row(page, THROWAWAY.host, THROWAWAY.name).innerText(), { timeout: 30_000 }).not.toMatch(/…/);
        await check('autostart on');
        await el.click();
        await expect.poll(() => row(page, THROWAWAY.host, THROWAWAY.name).innerText(), { timeout: 30_000 }).not.toMatch(/…/);
      },
    });
    const found = await details.locator('[data-command^="guest."]').evaluateAll((els) => els.map((e) => e.getAttribute('data-command')!));
    const idle = () => expect.poll(() => row(page, THROWAWAY.host, THROWAWAY.name).innerText(), { timeout: 90_000 }).not.toMatch(/…/);
    for (const id of LIFECYCLE_ORDER) {
      if (id === 'booted') {
        // A shutdown needs the guest's kernel up (ACPI): wait for its prompt, then select it again.
        await waitBooted(page, THROWAWAY.host, THROWAWAY.name);
        await filter(page, `host:${THROWAWAY.host} name:${THROWAWAY.name}`);
        await row(page, THROWAWAY.host, THROWAWAY.name).click();
        continue;
      }
      const el = details.locator(`[data-command="${id}"]`);
      expect(await el.isDisabled(), `${id} enabled in ${await row(page, THROWAWAY.host, THROWAWAY.name).getAttribute('data-state')}`).toBe(false);
      await el.click();
      const dlg = page.getByTestId('confirm-dialog');
      if (await dlg.isVisible({ timeout: 1000 }).catch(() => false)) {
        // Destructive: cancelled once, then confirmed (on the throwaway guest).
        await dlg.getByRole('button', { name: 'Cancel' }).click();
        await check(`${id} cancelled`);
        await el.click();
        await dlg.locator('button[type="submit"]').click();
      }
      await idle();
      note('details', id);
      await check(id);
    }
    // Discovery: every lifecycle command the toolbar shows was pressed.
    const pressedIds = tally.pressed.get('details') ?? new Set();
    expect(found.filter((c) => c !== 'guest.console' && !pressedIds.has(c))).toEqual([]);
    await waitState(page, THROWAWAY.host, THROWAWAY.name, 'shutoff');

    // ---- the rows' context menu on the throwaway guest
    await ensure(page, THROWAWAY.host, THROWAWAY.name, 'running');
    for (let round = 0; round < 12; round++) {
      await row(page, THROWAWAY.host, THROWAWAY.name).click({ button: 'right' });
      const menu = page.getByTestId('guest-menu');
      await menu.waitFor();
      let picked: string | null = null;
      for (const item of await menu.locator('[role="menuitem"]:not([aria-disabled="true"])').all()) {
        const id = (await item.getAttribute('data-command'))!;
        if (tally.pressed.get('row menu')?.has(id)) continue;
        // Destructive and state-changing commands are covered by the toolbar loop; here the safe ones run.
        if (!/^guest\.(pause|resume|console|copyName)$/.test(id)) {
          note('row menu (seen)', id);
          continue;
        }
        picked = id;
        await item.click();
        break;
      }
      if (!picked) {
        await page.keyboard.press('Escape');
        break;
      }
      note('row menu', picked);
      if (picked !== 'guest.console' && picked !== 'guest.copyName') await expect.poll(() => row(page, THROWAWAY.host, THROWAWAY.name).innerText(), { timeout: 30_000 }).not.toMatch(/…/);
      await check(`menu ${picked}`);
    }

    // ---- a console: its bar, search bar and tabs (Close last)
    await openConsoleFromList(page, 'kvm1', 'alpha');
    const term = page.locator('.term[data-guest="alpha"]');
    await walk('console', () => page.getByTestId('consoles'), (id) => /^Close console/.test(id), {
      '^Save scrollback': async (el) => {
        await Promise.all([page.waitForEvent('download'), el.click()]);
      },
      '^(Log this session|Stop logging)': async (el) => {
        await el.click();
        await page.waitForTimeout(300);
      },
    });
    // The walk ends on the last tab, which may be a guest screen opened earlier: back to alpha's console.
    await page.getByTestId('consoles').getByRole('tab', { name: /^alpha · kvm1/ }).first().click();
    await term.getByRole('button', { name: 'Close console alpha' }).click();
    note('console', 'Close console');
    await check('Close console');

    // ---- bottom panels: activity and tasks
    if ((await page.getByRole('button', { name: /^Activity/ }).getAttribute('aria-pressed')) !== 'true') await page.getByRole('button', { name: /^Activity/ }).click();
    await walk('activity', () => page.locator('.bottom'), (id) => /^Close/.test(id));
    await page.getByTestId('status-bar').getByRole('button', { name: /Tasks|task/ }).click();
    await walk('tasks', () => page.getByTestId('task-panel'), (id) => /^Close/.test(id) || id === 'Cancel');
    await page.getByRole('button', { name: 'Close task list' }).click();
    note('tasks', 'Close task list');
    await walk('status bar', () => page.getByTestId('status-bar'), (id) => /Tasks|task/.test(id));

    // ---- every palette command without a guest argument (guest commands are the toolbar's, pressed above)
    await page.keyboard.press('Escape');
    await page.locator('body').click({ position: { x: 800, y: 5 } });
    await page.keyboard.press('Control+k');
    await page.getByRole('dialog', { name: 'Command palette' }).waitFor();
    const commands = await page.getByRole('option').evaluateAll((os) => os.map((o) => o.getAttribute('data-command')).filter((c): c is string => !!c && !c.startsWith('guest.') && c !== 'go'));
    await page.keyboard.press('Escape');
    for (const id of [...new Set(commands)]) {
      await page.keyboard.press('Control+k');
      const pal = page.getByRole('dialog', { name: 'Command palette' });
      await pal.waitFor();
      const opt = pal.locator(`[role="option"][data-command="${id}"]`).first();
      if ((await opt.getAttribute('aria-disabled')) === 'true') {
        await page.keyboard.press('Escape');
        continue;
      }
      await opt.click();
      await page.waitForTimeout(300);
      // (Running "Command palette" from the palette opens it again: the dialog walk below closes it.)
      if (await openDialog(page).isVisible().catch(() => false)) await walkDialog('palette');
      note('palette', id);
      await check(`palette ${id}`);
      if (id === 'app.filter') await page.locator('body').click({ position: { x: 800, y: 5 } });
    }

    // ---- shortcuts: global and page keys from outside a field, list keys on the throwaway guest
    const shortcuts: [string, string, () => Promise<void>][] = [
      ['Control+k', 'palette', () => page.keyboard.press('Escape')],
      ['Control+j', 'activity', () => page.keyboard.press('Control+j')],
      ['?', 'help', () => page.keyboard.press('Escape')],
      ['/', 'filter', () => page.locator('body').click({ position: { x: 800, y: 5 } })],
    ];
    for (const [k, what, undo] of shortcuts) {
      await page.locator('body').click({ position: { x: 800, y: 5 } });
      await page.keyboard.press(k);
      await page.waitForTimeout(200);
      await undo();
      note('shortcuts', `${k} (${what})`);
      await check(`shortcut ${k}`);
    }
    await ensure(page, THROWAWAY.host, THROWAWAY.name, 'running');
    const grid = page.getByRole('grid', { name: 'Guests' });
    await waitBooted(page, THROWAWAY.host, THROWAWAY.name);
    await filter(page, `host:${THROWAWAY.host} name:${THROWAWAY.name}`);
    await row(page, THROWAWAY.host, THROWAWAY.name).click();
    for (const [k, expectState] of [['p', 'paused'], ['p', /^(running|blocked)$/], ['h', 'shutoff'], ['s', /^(running|blocked)$/], ['r', /^(running|blocked)$/]] as const) {
      await grid.focus();
      await page.keyboard.press(k);
      await waitState(page, THROWAWAY.host, THROWAWAY.name, expectState, 90_000);
      await expect.poll(() => row(page, THROWAWAY.host, THROWAWAY.name).innerText(), { timeout: 90_000 }).not.toMatch(/…/);
      note('shortcuts', `list ${k}`);
      await check(`list key ${k}`);
    }
    await grid.focus();
    await page.keyboard.press('Delete');
    await page.getByTestId('confirm-dialog').waitFor();
    await page.keyboard.press('Escape');
    note('shortcuts', 'list Delete (cancelled)');
    await grid.focus();
    await page.keyboard.press('c');
    await page.locator(`.term[data-guest="${THROWAWAY.name}"]`).waitFor({ timeout: 30_000 });
    note('shortcuts', 'list c');
    await check('list key c');

    // Every view offered at least this many controls (fails when controls vanish).
    const minimum: Record<string, number> = { header: 4, sidebar: 10, list: 8, details: 8, 'row menu': 2, console: 8, activity: 1, palette: 8, shortcuts: 10 };
    for (const [view, n] of Object.entries(minimum)) expect(tally.pressed.get(view)?.size ?? 0, `controls pressed in ${view}: ${[...(tally.pressed.get(view) ?? [])].join(', ')}`).toBeGreaterThanOrEqual(n);
    app.assertClean();
  }, 900_000);
});
