// `vmdeck display kvm1/alpha`: prints a vnc://127.0.0.1 address on which a plain RFB client completes the
// handshake and reads the framebuffer size, over the CLI's one SSH connection to kvm1 (counted with ss).
import { execFileSync, spawn } from 'node:child_process';
import { connect } from 'node:net';
import path from 'node:path';
import { expect, it } from 'vitest';
import { RfbClient } from '../../support/rfb-client';
import { describeLab } from '../describe-lab';
import { loadLab } from '../lab';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');

function sshConnectionsOf(pid: number, port: number): number {
  const out = execFileSync('ss', ['-Htnp', 'state', 'established', `( dport = :${port} )`], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(`pid=${pid},`)).length;
}

describeLab('vmdeck display (CLI)', () => {
  it('prints vnc://127.0.0.1:PORT; a plain RFB client reads the framebuffer size; one SSH connection to kvm1', async () => {
    const lab = loadLab()!;
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'vmdeck.mjs'), '--ssh-config', lab.sshConfig, 'display', 'kvm1/alpha'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      await expect.poll(() => stdout, { timeout: 60_000, message: "the address on stdout" }).toMatch(/^vnc:\/\/127\.0\.0\.1:\d+\n/);
      const port = Number(/:(\d+)\n/.exec(stdout)![1]);
      expect(sshConnectionsOf(child.pid!, lab.hosts.kvm1!.port)).toBe(1);
      const sock = connect({ host: '127.0.0.1', port });
      sock.on('error', () => undefined);
      const rfb = new RfbClient({ write: (b) => sock.write(b), onData: (l) => sock.on('data', (c: Buffer) => l(new Uint8Array(c))) });
      const size = await rfb.handshake();
      expect(size.width).toBeGreaterThan(100);
      expect(size.height).toBeGreaterThan(100);
      await rfb.update(false);
      expect(rfb.colours()).toBeGreaterThan(1);
      expect(sshConnectionsOf(child.pid!, lab.hosts.kvm1!.port)).toBe(1); // the tunnel rides the same connection
      expect(stderr).toMatch(/viewer connected \(direct-tcpip\)/);
      sock.destroy();
    } finally {
      child.kill('SIGINT');
    }
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    expect(code).toBe(0);
  });
});
