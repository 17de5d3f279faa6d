/**
 * Guest screens end to end: the built renderer in Chromium through browser mode, the real backend, the lab's
 * real QEMU guests (alpha: VNC on TCP, gamma: VNC on a UNIX socket). Open a screen in one click from the
 * details, see the guest's tty1 on the noVNC canvas, type on it and see the pixels change, reboot the guest
 * with the screen open and see it come back by itself.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { describeLab } from '../lab/describe-lab';
import { loadLab, type Lab } from '../lab/lab';
import { openApp, SCREENSHOTS, type App } from './support/app';

function row(page: Page, host: string, name: string): Locator {
  return page.locator(`[role="row"][data-host="${host}"][data-guest="${name}"]`);
}

/** A digest of the canvas and its number of distinct colours (sampled). */
async function canvasStats(display: Locator): Promise<{ hash: number; colours: number; width: number }> {
  return display.locator('canvas').evaluate((c: HTMLCanvasElement) => {
    const ctx = c.getContext('2d')!;
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let hash = 0;
    const colours = new Set<number>();
    for (let i = 0; i < d.length; i += 4) {
      const v = (d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!;
      hash = (hash * 31 + v) | 0;
      if (i % 64 === 0) colours.add(v);
    }
    return { hash, colours: colours.size, width: c.width };
  });
}

/** How many times the guest has printed its boot banner on the serial console (libvirt logs it). */
function bootCount(lab: Lab, host: string, guest: string): number {
  const home = execFileSync('getent', ['passwd', lab.hosts[host]!.user], { encoding: 'utf8' }).split(':')[5]!;
  try {
    return (readFileSync(path.join(home, '.cache/libvirt/qemu/log', `${guest}-serial.log`), 'utf8').match(new RegExp(`vmdeck-guest ${guest} booted`, 'g')) ?? []).length;
  } catch {
    return -1;
  }
}

/** Waits until the canvas stops changing (the guest has finished printing). */
async function settled(display: Locator): Promise<void> {
  let last = NaN;
  await expect
    .poll(
      async () => {
        const h = (await canvasStats(display)).hash;
        const same = h === last;
        last = h;
        return same;
      },
      { timeout: 60_000, interval: 1500 },
    )
    .toBe(true);
}

describeLab('guest screens (e2e)', () => {
  let app: App;
  let lab: Lab;

  beforeAll(async () => {
    lab = loadLab()!;
    app = await openApp({ viewport: { width: 1600, height: 1000 }, serverArgs: ['--known-hosts', lab.knownHosts] });
    const { page } = app;
    await page.getByRole('navigation', { name: 'Hosts' }).waitFor({ timeout: 90_000 });
    await page.getByRole('button', { name: 'Import hosts from ssh_config' }).click();
    const dlg = page.getByRole('dialog', { name: 'Import hosts from ssh_config' });
    await dlg.getByLabel('OpenSSH client config').fill(lab.sshConfig);
    await dlg.getByRole('button', { name: 'Read hosts' }).click();
    await dlg.locator('table').waitFor();
    for (const extra of ['fleet', 'jump', 'inner']) {
      const box = dlg.getByRole('checkbox', { name: `Import ${extra}` });
      if (await box.count()) await box.uncheck();
    }
    await dlg.getByRole('button', { name: /^Import/ }).last().click();
    await dlg.waitFor({ state: 'detached', timeout: 30_000 });
    mkdirSync(SCREENSHOTS, { recursive: true });
  });

  afterAll(async () => {
    await app?.close();
  });

  async function openScreen(host: string, name: string): Promise<Locator> {
    const { page } = app;
    await page.getByTestId('guest-filter').fill(`host:${host} name:${name}`);
    const r = row(page, host, name);
    await r.waitFor({ timeout: 60_000 });
    await expect.poll(() => r.getAttribute('data-state'), { timeout: 60_000 }).toBe('running');
    await r.click();
    await page.getByTestId('details').locator('[data-action="display"]').click();
    const display = page.locator(`.display[data-guest="${name}"]`);
    await display.waitFor({ timeout: 30_000 });
    await expect.poll(() => display.getAttribute('data-rfb-state'), { timeout: 30_000 }).toBe('connected');
    await expect.poll(async () => (await canvasStats(display)).width, { timeout: 30_000 }).toBeGreaterThan(100);
    return display;
  }

  async function typeAndSeeChange(display: Locator, name: string): Promise<void> {
    const { page } = app;
    // Not a uniform screen: the guest's text is on it.
    await expect.poll(async () => (await canvasStats(display)).colours, { timeout: 30_000 }).toBeGreaterThan(1);
    const before = await canvasStats(display);
    await display.locator('canvas').click();
    await page.keyboard.type('echo $((6*7))', { delay: 40 });
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await canvasStats(display)).hash, { timeout: 30_000 }).not.toBe(before.hash);
    await app.screenshot(`display-${name}`);
  }

  it('alpha (VNC on TCP): one click from the details opens its screen; typing on it changes the pixels', async () => {
    const display = await openScreen('kvm1', 'alpha');
    await expect.poll(() => display.getByTestId('display-path').innerText()).toMatch(/SSH forward/);
    await typeAndSeeChange(display, 'alpha');
    app.assertClean();
  });

  it('gamma (VNC on a UNIX socket) beside alpha, as a second dock tab', async () => {
    const display = await openScreen('kvm2', 'gamma');
    await expect.poll(() => display.getByTestId('display-path').innerText()).toMatch(/socket forward/);
    await typeAndSeeChange(display, 'gamma');
    await expect(app.page.locator('[data-display-tab]').count()).resolves.toBe(2);
    app.assertClean();
  });

  it("xen1's win2019-test-02 (the simulator's RFB server, found in xenstore)", async () => {
    const display = await openScreen('xen1', 'win2019-test-02');
    await typeAndSeeChange(display, 'win2019-test-02');
    app.assertClean();
  });

  it('alpha rebooted with its screen open comes back by itself', async () => {
    const { page } = app;
    await page.locator('[data-display-tab="alpha"]').click();
    const display = page.locator('.display[data-guest="alpha"]');
    const before = await canvasStats(display);
    const boots = bootCount(lab, 'kvm1', 'alpha');
    expect(boots, 'alpha serial log readable').toBeGreaterThan(0);
    await page.getByTestId('guest-filter').fill('host:kvm1 name:alpha');
    await row(page, 'kvm1', 'alpha').click();
    await page.getByTestId('details').locator('[data-action="reboot"]').click();
    const confirm = page.getByTestId('confirm-dialog');
    if (await confirm.isVisible({ timeout: 2000 }).catch(() => false)) await confirm.getByRole('button', { name: /Reboot/ }).click();
    // The guest restarts (its screen goes through the firmware and the boot) and the screen stays live.
    await expect.poll(async () => (await canvasStats(display)).hash, { timeout: 60_000 }).not.toBe(before.hash);
    await expect.poll(() => bootCount(lab, 'kvm1', 'alpha'), { timeout: 90_000 }).toBeGreaterThan(boots);
    await settled(display);
    await expect.poll(() => display.getAttribute('data-rfb-state'), { timeout: 60_000 }).toBe('connected');
    await typeAndSeeChange(display, 'alpha-after-reboot');
    app.assertClean();
  });
});
