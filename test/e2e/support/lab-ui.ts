/**
 * Helpers for the renderer's lab e2e suites: a copy of the lab's ssh_config with an empty known_hosts (so every
 * host asks about its key), answering those prompts against the lab's real fingerprints, rows, filter, guest
 * states and consoles.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { Locator, Page } from 'playwright-core';

/** OpenSSH's fingerprint of a public key line ("ssh-ed25519 AAAA..."): SHA256 of the key blob, base64 without padding. */
export function sha256Fingerprint(publicKey: string): string {
  const blob = Buffer.from(publicKey.trim().split(/\s+/)[1] ?? '', 'base64');
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * A copy of the lab's ssh_config in which every UserKnownHostsFile points at an empty file and
 * StrictHostKeyChecking is `ask`; every other line is kept byte for byte. Returns the copy's path.
 */
export function configWithEmptyKnownHosts(source: string, dir: string): string {
  const knownHosts = path.join(dir, 'known_hosts');
  writeFileSync(knownHosts, '');
  const text = readFileSync(source, 'utf8')
    .split('\n')
    .map((line) => {
      const m = /^(\s*)(UserKnownHostsFile|StrictHostKeyChecking)(\s*=\s*|\s+)\S.*$/i.exec(line);
      if (!m) return line;
      return `${m[1]}${m[2]}${m[3]}${m[2]!.toLowerCase() === 'userknownhostsfile' ? knownHosts : 'ask'}`;
    })
    .join('\n');
  const file = path.join(dir, 'ssh_config');
  writeFileSync(file, text);
  return file;
}

/**
 * Accepts host-key prompts (and fails on anything else) while waiting for `done` to hold. Each unknown-key
 * prompt must name one of `expected`'s hosts and show that host's real fingerprint; returns the hosts asked about.
 */
export async function answeringPrompts(page: Page, expected: Record<string, string>, done: () => Promise<boolean>, timeoutMs: number): Promise<string[]> {
  const asked: string[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const unknown = page.getByTestId('prompt-host-key');
    if (await unknown.isVisible().catch(() => false)) {
      const text = await unknown.innerText();
      const fingerprint = (await unknown.getByTestId('fingerprint').innerText()).trim();
      const host = /Unknown host key — (\S+)/.exec(text)?.[1] ?? '';
      expect(Object.keys(expected), `a host-key prompt for an unexpected host:\n${text}`).toContain(host);
      expect(asked, `asked twice about ${host}`).not.toContain(host);
      expect(fingerprint, `fingerprint shown for ${host}`).toBe(expected[host]);
      expect(text.split(fingerprint).length - 1, `the fingerprint of ${host} is printed once:\n${text}`).toBe(1);
      asked.push(host);
      if (asked.length === 1) await page.screenshot({ path: 'test-results/screenshots/lab-host-key-prompt.png' });
      await unknown.getByRole('button', { name: 'Accept and remember' }).click();
      // The next host's prompt may take this one's place at once (same dialog kind, another host).
      const shownFor = async () => ((await unknown.isVisible().catch(() => false)) ? (/Unknown host key — (\S+)/.exec(await unknown.innerText().catch(() => ''))?.[1] ?? '') : null);
      await expect.poll(shownFor, { timeout: 30_000, message: `the prompt for ${host} stays after Accept` }).not.toBe(host);
      continue;
    }
    if (await page.getByTestId('prompt-host-key-mismatch').isVisible().catch(() => false)) {
      throw new Error('the lab presented a changed host key');
    }
    if (await done()) return asked;
    await page.waitForTimeout(250);
  }
  throw new Error(`timed out (host keys accepted so far: ${asked.join(', ') || 'none'})`);
}

export function row(page: Page, host: string, name: string): Locator {
  return page.locator(`[role="row"][data-host="${host}"][data-guest="${name}"]`);
}

export async function filter(page: Page, text: string): Promise<void> {
  const box = page.getByTestId('guest-filter');
  await box.fill(text);
}

export async function waitState(page: Page, host: string, name: string, state: string | RegExp, timeout = 60_000): Promise<void> {
  const r = row(page, host, name);
  const re = typeof state === 'string' ? new RegExp(`^${state}$`) : state;
  await expect.poll(async () => (await r.getAttribute('data-state').catch(() => null)) ?? '', { timeout, interval: 250 }).toMatch(re);
}

/** The console's whole scrollback, through the app's own "Save scrollback" action (serialize addon). */
export async function consoleText(page: Page, guest: string): Promise<string> {
  const term = page.locator(`.term[data-guest="${guest}"]`);
  try {
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 10_000 }),
      term.getByRole('button', { name: 'Save scrollback to a file' }).click({ timeout: 10_000 }),
    ]);
    const file = await download.path();
    return readFileSync(file, 'utf8').replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '');
  } catch (e) {
    await page.screenshot({ path: `test-results/screenshots/lab-failure-console-${guest}.png` }).catch(() => {});
    throw e;
  }
}

export async function typeInConsole(page: Page, guest: string, text: string): Promise<void> {
  const term = page.locator(`.term[data-guest="${guest}"]`);
  await term.locator('.xterm').click();
  await page.keyboard.type(text, { delay: 15 });
}

export async function openConsoleFromList(page: Page, host: string, name: string): Promise<void> {
  await filter(page, `host:${host} name:${name}`);
  const r = row(page, host, name);
  await r.waitFor();
  await r.getByRole('button', { name: `Open console for ${name}` }).click();
  const term = page.locator(`.term[data-guest="${name}"]`);
  // A guest with several console devices asks which one: take the first (focused) one, as the default would.
  const picker = page.getByTestId('console-picker');
  await term.or(picker).first().waitFor({ timeout: 30_000 });
  if (await picker.isVisible().catch(() => false)) {
    await expect.poll(() => page.evaluate(() => document.activeElement?.closest('[data-testid="console-picker"]') !== null)).toBe(true);
    await page.keyboard.press('Enter');
    await picker.waitFor({ state: 'detached' });
  }
  await term.waitFor();
  await expect.poll(() => term.locator('[data-status]').getAttribute('data-status'), { timeout: 30_000 }).toBe('attached');
}


/**
 * Imports `hosts` of the lab through the Import dialog from a copy of its ssh_config with an empty known_hosts,
 * accepts each host-key prompt (checking the real fingerprint, shown once) and waits until each host settled
 * (`ready` for the hypervisor hosts). Returns the hosts that were asked about.
 */
export async function importLabHosts(page: Page, sshConfig: string, hostKeys: Record<string, string>, hosts: readonly string[], readyHosts: readonly string[]): Promise<string[]> {
  await page.getByRole('button', { name: 'Import hosts from ssh_config' }).first().click();
  const dlg = page.getByRole('dialog', { name: 'Import hosts from ssh_config' });
  await dlg.getByLabel('OpenSSH client config').fill(sshConfig);
  await dlg.getByRole('button', { name: 'Read hosts' }).click();
  await dlg.locator('table').waitFor();
  for (const box of await dlg.getByRole('checkbox', { name: /^Import / }).all()) {
    const name = ((await box.getAttribute('aria-label')) ?? '').replace(/^Import /, '');
    if (hosts.includes(name)) await box.check();
    else await box.uncheck();
  }
  await dlg.getByRole('button', { name: /^Import/ }).last().click();
  await dlg.waitFor({ state: 'detached', timeout: 30_000 });
  const expected = Object.fromEntries(hosts.map((h) => [h, sha256Fingerprint(hostKeys[h]!)]));
  const state = (h: string) => page.locator(`li[data-host="${h}"] [data-connection]`).getAttribute('data-connection').catch(() => null);
  return answeringPrompts(
    page,
    expected,
    async () => {
      for (const h of hosts) {
        const s = await state(h);
        if (readyHosts.includes(h) ? s !== 'ready' : s === null || s === 'connecting' || s === 'verifying' || s === 'authenticating') return false;
      }
      return true;
    },
    120_000,
  );
}

/**
 * Waits until a QEMU guest's kernel is up (its console shows the shell prompt), so that it hears an ACPI shutdown.
 * Opens its console for that and closes it again.
 */
export async function waitBooted(page: Page, host: string, name: string): Promise<void> {
  await openConsoleFromList(page, host, name);
  await typeInConsole(page, name, '\r');
  await expect.poll(async () => new RegExp(`${name}:~# *$`, 'm').test(await consoleText(page, name)), { timeout: 90_000, interval: 1000 }).toBe(true);
  await page.locator(`.term[data-guest="${name}"]`).getByRole('button', { name: `Close console ${name}` }).click();
}

