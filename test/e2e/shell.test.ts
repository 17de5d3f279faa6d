/**
 * The renderer against the real backend in browser mode, with no hosts: the page loads under the strict
 * CSP without errors, the empty states say what to do, dialogs and the palette work from the keyboard,
 * light and dark themes render, and axe-core finds no serious or critical violation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, runAxe, seriousAxe, type App } from './support/app';

describe('app shell (browser mode, no hosts)', () => {
  let app: App;

  beforeAll(async () => {
    app = await openApp({ colorScheme: 'light' });
    await app.page.getByRole('navigation', { name: 'Hosts' }).waitFor();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('loads and shows honest empty states', async () => {
    const { page } = app;
    await expect(page.getByText('No hosts yet.')).toBeTruthy();
    await page.getByText('No hosts yet.').waitFor();
    await page.getByText(/No hosts configured/).waitFor();
    expect(await page.getByTestId('guest-count').innerText()).toContain('0 guests');
    await page.getByText('Select a guest to see its details.').waitFor();
    expect(await page.getByRole('grid', { name: 'Guests' }).getAttribute('aria-rowcount')).toBe('1');
    app.assertClean();
  });

  it('has no serious or critical accessibility violation on the main view', async () => {
    const v = seriousAxe(await runAxe(app.page));
    expect(v, JSON.stringify(v, null, 2)).toEqual([]);
  });

  it('opens dialogs as real modal dialogs from the keyboard, and Escape cancels', async () => {
    const { page } = app;
    await page.locator('body').click({ position: { x: 700, y: 300 } });
    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor();
    expect(await help.evaluate((d) => (d as HTMLDialogElement).open && d.matches(':modal'))).toBe(true);
    expect(seriousAxe(await runAxe(page, '[data-testid="help-dialog"]'))).toEqual([]);
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'detached' });

    await page.keyboard.press('Control+k');
    const palette = page.getByRole('dialog', { name: 'Command palette' });
    await palette.waitFor();
    await page.keyboard.type('add host');
    await page.keyboard.press('Enter');
    const add = page.getByRole('dialog', { name: 'Add host' });
    await add.waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('host-name');
    expect(seriousAxe(await runAxe(page, '[data-testid="host-dialog"]'))).toEqual([]);
    await page.keyboard.press('Escape');
    await add.waitFor({ state: 'detached' });
    app.assertClean();
  });

  it('opens the ssh_config import dialog with a path field', async () => {
    const { page } = app;
    await page.getByRole('button', { name: 'Import hosts from ssh_config' }).click();
    const dlg = page.getByRole('dialog', { name: 'Import hosts from ssh_config' });
    await dlg.waitFor();
    await dlg.getByLabel('OpenSSH client config').fill('/nonexistent/ssh_config');
    await dlg.getByRole('button', { name: 'Read hosts' }).click();
    // A missing file is reported in the dialog as exactly that (never as "no hosts", never as a page error).
    await dlg.getByText('file not found: /nonexistent/ssh_config').waitFor();
    expect(await dlg.getByText('No concrete hosts').count()).toBe(0);
    await app.screenshot('import-dialog-light');
    await page.keyboard.press('Escape');
    await dlg.waitFor({ state: 'detached' });
    app.assertClean();
  });

  it('renders light and dark themes (screenshots)', async () => {
    const { page } = app;
    await page.emulateMedia({ colorScheme: 'light' });
    await app.screenshot('shell-empty-light');
    const lightBg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForTimeout(100);
    await app.screenshot('shell-empty-dark');
    const darkBg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(darkBg).not.toBe(lightBg);
    expect(seriousAxe(await runAxe(page))).toEqual([]);
    await page.emulateMedia({ colorScheme: 'light' });
    app.assertClean();
  });
});
