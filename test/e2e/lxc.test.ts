/**
 * Containers beside VMs, end to end: the real backend and renderer (Chromium) with the lab's ct1 (LXC) and
 * kvm1 (QEMU) imported from the lab's ssh_config. ct1's containers are listed in the one list beside kvm1's
 * VMs, each with its kind; `kind:container` filters; the toolbar of a container has no save or reset;
 * freeze/unfreeze and stop/start of ct-web from the toolbar, each checked with `lxc-info` on the host;
 * `echo $((6*7))` answers 42 in its lxc-console console and in an lxc-attach shell opened from the details.
 * Leaves ct-web running, as lab-up made it.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { describeLab } from '../lab/describe-lab';
import { labSsh, loadLab, type Lab } from '../lab/lab';
import { openApp, type App } from './support/app';

const IMPORTED = ['ct1', 'kvm1'] as const;

/** A CSS string value: names may hold quotes and backslashes. */
const css = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

function row(page: Page, host: string, name: string): Locator {
  return page.locator(`[role="row"][data-host="${css(host)}"][data-guest="${css(name)}"]`);
}

async function filter(page: Page, text: string): Promise<void> {
  await page.getByTestId('guest-filter').fill(text);
}

async function waitState(page: Page, host: string, name: string, state: RegExp, timeout = 60_000): Promise<void> {
  const r = row(page, host, name);
  await expect.poll(async () => (await r.getAttribute('data-state').catch(() => null)) ?? '', { timeout, interval: 250 }).toMatch(state);
}

async function lxcInfoState(name: string): Promise<string> {
  const r = await labSsh('ct1', `lxc-info -s -n ${name}`);
  return /State:\s+(\S+)/.exec(r.stdout)?.[1] ?? `? ${r.stderr}`;
}

/** A terminal's whole scrollback, through its own "Save scrollback" action. */
async function scrollback(page: Page, term: Locator): Promise<string> {
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 10_000 }),
    term.getByRole('button', { name: 'Save scrollback to a file' }).click({ timeout: 10_000 }),
  ]);
  return readFileSync(await download.path(), 'utf8').replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '');
}

async function type(page: Page, term: Locator, text: string): Promise<void> {
  await term.locator('.xterm').click();
  await page.keyboard.type(text, { delay: 15 });
}

describeLab('containers beside VMs (e2e, ct1 + kvm1)', () => {
  let app: App;
  let lab: Lab;

  beforeAll(async () => {
    lab = loadLab()!;
    app = await openApp({ viewport: { width: 1600, height: 1000 } });
    const { page } = app;
    await page.getByRole('navigation', { name: 'Hosts' }).waitFor({ timeout: 90_000 });
    await page.getByRole('button', { name: 'Import hosts from ssh_config' }).click();
    const dlg = page.getByRole('dialog', { name: 'Import hosts from ssh_config' });
    await dlg.getByLabel('OpenSSH client config').fill(lab.sshConfig);
    await dlg.getByRole('button', { name: 'Read hosts' }).click();
    await dlg.locator('table').waitFor();
    for (const box of await dlg.getByRole('checkbox', { name: /^Import / }).all()) {
      const host = ((await box.getAttribute('aria-label')) ?? '').replace(/^Import /, '');
      if ((IMPORTED as readonly string[]).includes(host)) await box.check();
      else await box.uncheck();
    }
    await dlg.getByRole('button', { name: /^Import/ }).last().click();
    await dlg.waitFor({ state: 'detached', timeout: 30_000 });
  });

  it('imports ct1 and kvm1 from the lab ssh_config; ct1 connects as an LXC host', async () => {
    const { page } = app;
    for (const h of IMPORTED) {
      await expect
        .poll(() => page.locator(`li[data-host="${h}"] [data-connection]`).getAttribute('data-connection').catch(() => null), { timeout: 90_000 })
        .toBe('ready');
    }
    await expect.poll(() => page.locator('li[data-host="ct1"]').innerText(), { timeout: 30_000 }).toMatch(/LXC/);
  });

  afterAll(async () => {
    if (app) await app.close();
    // Leave ct-web as lab-up made it (running), whatever happened above.
    const s = await lxcInfoState('ct-web');
    if (s === 'FROZEN') await labSsh('ct1', 'lxc-unfreeze -n ct-web');
    if (s === 'STOPPED') await labSsh('ct1', 'lxc-start -n ct-web');
  });

  it("lists ct1's containers in the one list beside kvm1's VMs, each with its kind; kind: filters", async () => {
    const { page } = app;
    await filter(page, '');
    for (const c of lab.hosts.ct1?.containers ?? []) await row(page, 'ct1', c.name).waitFor({ timeout: 60_000 });
    await row(page, 'kvm1', 'alpha').waitFor({ timeout: 60_000 });
    expect(await row(page, 'ct1', 'ct-web').locator('[data-kind]').getAttribute('data-kind')).toBe('container');
    expect(await row(page, 'ct1', 'ct-web').innerText()).toMatch(/Container/);
    expect(await row(page, 'kvm1', 'alpha').locator('[data-kind]').getAttribute('data-kind')).toBe('vm');
    expect(await row(page, 'ct1', 'ct-cache').getAttribute('data-state')).toBe('paused');
    expect(await row(page, 'ct1', 'ct-db').getAttribute('data-state')).toBe('shutoff');
    await app.screenshot('lxc-list-beside-vms');

    await filter(page, 'kind:container');
    await expect.poll(async () => new Set(await page.locator('[role="row"][data-guest]').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-host'))))).toEqual(new Set(['ct1']));
    await filter(page, 'kind:vm');
    await expect.poll(async () => new Set(await page.locator('[role="row"][data-guest]').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-host'))))).toEqual(new Set(['kvm1']));
    app.assertClean();
  });

  it('a container offers no save or reset; freeze and unfreeze from the toolbar, and lxc-info agrees', async () => {
    const { page } = app;
    await filter(page, 'host:ct1 name:ct-web');
    await row(page, 'ct1', 'ct-web').click();
    const details = page.getByTestId('details');
    await details.getByRole('heading', { name: 'ct-web' }).waitFor();
    await expect.poll(() => details.locator('.head [data-kind]').getAttribute('data-kind')).toBe('container');
    expect(await details.locator('[data-action="save"]').count()).toBe(0);
    expect(await details.locator('[data-action="reset"]').count()).toBe(0);
    await waitState(page, 'ct1', 'ct-web', /^running$/);

    expect(await details.locator('[data-action="pause"]').innerText()).toMatch(/Freeze/);
    await details.locator('[data-action="pause"]').click();
    await waitState(page, 'ct1', 'ct-web', /^paused$/);
    expect(await details.locator('[data-action="resume"]').innerText()).toMatch(/Unfreeze/);
    await expect.poll(() => row(page, 'ct1', 'ct-web').innerText(), { timeout: 10_000 }).toMatch(/Frozen/);
    expect(await lxcInfoState('ct-web')).toBe('FROZEN');
    await app.screenshot('lxc-frozen');
    await details.locator('[data-action="resume"]').click();
    await waitState(page, 'ct1', 'ct-web', /^running$/);
    expect(await lxcInfoState('ct-web')).toBe('RUNNING');
    app.assertClean();
  });

  it('stop and start from the toolbar; lxc-info agrees', async () => {
    const { page } = app;
    const details = page.getByTestId('details');
    await details.locator('[data-action="shutdown"]').click();
    await waitState(page, 'ct1', 'ct-web', /^shutoff$/);
    expect(await lxcInfoState('ct-web')).toBe('STOPPED');
    await details.locator('[data-action="start"]').click();
    await waitState(page, 'ct1', 'ct-web', /^running$/);
    expect(await lxcInfoState('ct-web')).toBe('RUNNING');
    app.assertClean();
  });

  it('the container details show its rootfs and cgroup limits', async () => {
    const { page } = app;
    const details = page.getByTestId('details');
    await details.getByRole('tab', { name: 'Hardware' }).click();
    await expect.poll(() => details.getByTestId('rootfs').innerText(), { timeout: 30_000 }).toBe('dir:/var/lib/lxc/ct-web/rootfs');
    expect(await details.getByTestId('limits').innerText()).toMatch(/memory\.limit_in_bytes\s+67108864/);
    await app.screenshot('lxc-details-hardware');
    await details.getByRole('tab', { name: 'Configuration' }).click();
    await expect.poll(() => details.getByLabel('Raw configuration').innerText()).toMatch(/lxc\.rootfs\.path = dir:\/var\/lib\/lxc\/ct-web\/rootfs/);
    expect(await details.innerText()).toMatch(/LXC container config · read-only/);
  });

  it('opens its console from the list (lxc-console): echo $((6*7)) answers 42', async () => {
    const { page } = app;
    await filter(page, 'host:ct1 name:ct-web');
    await row(page, 'ct1', 'ct-web').getByRole('button', { name: 'Open console for ct-web' }).click();
    const picker = page.getByTestId('console-picker');
    const term = page.locator('.term[data-guest="ct-web"]');
    await term.or(picker).first().waitFor({ timeout: 30_000 });
    if (await picker.isVisible().catch(() => false)) {
      // The first device is the console (lxc-console -t 0).
      await expect.poll(() => page.evaluate(() => document.activeElement?.closest('[data-testid="console-picker"]') !== null)).toBe(true);
      expect(await picker.innerText()).toMatch(/Console \(lxc-console\)[\s\S]*Shell \(lxc-attach\)/);
      await page.keyboard.press('Enter');
      await picker.waitFor({ state: 'detached' });
    }
    await term.waitFor();
    await expect.poll(() => term.locator('[data-status]').getAttribute('data-status'), { timeout: 30_000 }).toBe('attached');
    // lxc-console drops what is typed before it switches the terminal to raw mode: wait for its banner.
    await expect.poll(async () => await scrollback(page, term), { timeout: 30_000, interval: 1000 }).toMatch(/Ctrl\+a q/);
    await type(page, term, '\r');
    await type(page, term, 'echo $((6*7))\r');
    await expect.poll(async () => /^42\s*$/m.test(await scrollback(page, term)), { timeout: 30_000, interval: 1000 }).toBe(true);
    await app.screenshot('lxc-console');
    app.assertClean();
  });

  it('opens a shell in it through lxc-attach from the details: echo $((6*7)) answers 42', async () => {
    const { page } = app;
    await row(page, 'ct1', 'ct-web').click();
    const details = page.getByTestId('details');
    await details.getByRole('tab', { name: 'Hardware' }).click();
    await details.getByRole('button', { name: 'Open console Shell (lxc-attach)' }).click();
    const term = page.locator('.term.active[data-guest="ct-web"]');
    await expect.poll(async () => (await term.count()) === 1 && /ct-web · ct1 · shell/.test((await page.getByRole('tablist', { name: 'Open consoles' }).innerText()) ?? ''), { timeout: 30_000 }).toBe(true);
    await expect.poll(() => term.locator('[data-status]').getAttribute('data-status'), { timeout: 30_000 }).toBe('attached');
    await expect.poll(async () => await scrollback(page, term), { timeout: 30_000, interval: 1000 }).toMatch(/# /);
    await type(page, term, 'echo $((6*7)); hostname\r');
    await expect.poll(async () => /^42\s*\n\s*ct-web\s*$/m.test(await scrollback(page, term)), { timeout: 30_000, interval: 1000 }).toBe(true);
    expect(await page.getByRole('tablist', { name: 'Open consoles' }).getByRole('tab').count()).toBe(2);
    await app.screenshot('lxc-attach-shell');
    app.assertClean();
  });
});
