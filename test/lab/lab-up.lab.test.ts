// lab-up keeps its promise: it says "up" only when every guest that should run has booted, and otherwise
// exits non-zero naming the guest. A guest is broken on purpose (its initramfs made garbage, so the kernel
// boots into a panic loop and never prints the banner), then repaired.
import { spawn } from 'node:child_process';
import { copyFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { describeLab } from './describe-lab';
import { labDir, labSsh } from './lab';

const LAB_UP = join(dirname(fileURLToPath(import.meta.url)), 'lab-up.sh');

function labUp(env: Record<string, string> = {}): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', [LAB_UP], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describeLab('lab-up', () => {
  const initramfs = join(labDir(), 'guest', 'initramfs.gz');
  const saved = `${initramfs}.saved-by-test`;

  afterAll(async () => {
    // Whatever happened, leave a working lab behind for the suites that follow.
    try {
      copyFileSync(saved, initramfs);
    } catch {
      /* the test never got as far as breaking it */
    }
    await labUp();
  }, 240_000);

  it('fails naming a guest that does not boot, and says "up" once it is repaired', async () => {
    copyFileSync(initramfs, saved);
    const { mtime } = statSync(initramfs);
    // Garbage that keeps the file's age, so lab-up's "is the initramfs current?" check does not rebuild it.
    writeFileSync(initramfs, Buffer.alloc(4096, 0x5a));
    utimesSync(initramfs, mtime, mtime);
    const destroyed = await labSsh('kvm2', 'virsh -q destroy gamma');
    expect(destroyed.code, destroyed.stderr).toBe(0);

    const broken = await labUp({ VMDECK_LAB_BOOT_TIMEOUT: '15' });
    expect(broken.code).not.toBe(0);
    expect(broken.stderr).toMatch(/guest gamma on kvm2 did not print its boot banner within 15 s/);
    expect(broken.stderr).toMatch(/the lab is NOT up/);
    expect(broken.stderr).not.toMatch(/\[lab\] up in/);

    copyFileSync(saved, initramfs);
    utimesSync(initramfs, mtime, mtime);
    const repaired = await labUp();
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(repaired.stderr).toMatch(/\[lab\] up in/);
    const state = await labSsh('kvm2', 'virsh -q domstate gamma');
    expect(state.stdout.trim()).toBe('running');
  }, 240_000);
});
