/**
 * Which toolstack drives a host, and with which libvirt URI. One probe command (probe-script.ts), then:
 *  - xl present → Xen (an xl-managed host is never also driven through libvirt);
 *  - virsh only → libvirt;
 *  - both → the configured choice, else Xen with a warning;
 *  - as root, lxc-ls runs and virsh is there but unconfigured (no URI from the user, $LIBVIRT_DEFAULT_URI or
 *    uri_default) with qemu:///system not answering → LXC, with a warning;
 *  - otherwise xl / virsh as above (a host with containers too is added once more with the LXC toolstack),
 *    else lxc-ls alone → LXC;
 *  - none of them, or the configured one missing → UNSUPPORTED.
 * libvirt URI: configured → $LIBVIRT_DEFAULT_URI → uri_default → qemu:///system if reachable → qemu:///session.
 */
import { VmdeckError } from '../core/errors';
import type { CommandRunner } from '../core/runner';
import type { DetectionResult, HypervisorDriver } from './driver';
import { LibvirtDriver } from './libvirt/libvirt-driver';
import { LxcDriver } from './lxc/lxc-driver';
import { parseProbe, PROBE_SCRIPT, type ProbeFacts } from './probe-script';
import { XenDriver } from './xen/xen-driver';

export interface DetectOptions {
  toolstack: 'auto' | 'libvirt' | 'xen' | 'lxc';
  libvirtUri?: string;
}

export async function detectToolstack(runner: CommandRunner, options: DetectOptions): Promise<DetectionResult> {
  const argv = ['sh', '-c', PROBE_SCRIPT];
  const r = await runner.exec(argv, { timeoutMs: 20_000 });
  const probe = parseProbe(r.stdout);
  if (probe === null) {
    throw new VmdeckError('PARSE_ERROR', `Could not read the toolstack probe's answer on ${runner.label}`, { command: argv, stderr: r.stderr, notes: [r.stdout.slice(0, 300)] });
  }
  return decide(probe, options, runner.label);
}

export function decide(probe: ProbeFacts, options: DetectOptions, label = 'the host'): DetectionResult {
  const hasXl = probe.xl !== '';
  const hasVirsh = probe.virsh !== '';
  const hasLxc = probe.lxc !== '';
  const warnings: string[] = [];
  if (options.toolstack === 'lxc') {
    if (!hasLxc) throw new VmdeckError('UNSUPPORTED', `${label} is configured for LXC but has no lxc-ls command`);
    if (probe.lxcOk === 'no') throw new VmdeckError('UNSUPPORTED', `lxc-ls does not run on ${label}`, { notes: ['Check the lxc package (lxc-ls --version).'] });
    return { toolstack: 'lxc', warnings };
  }
  if (options.toolstack === 'xen') {
    if (!hasXl) throw new VmdeckError('UNSUPPORTED', `${label} is configured for Xen but has no xl command`);
    return { toolstack: 'xen', warnings };
  }
  if (options.toolstack === 'libvirt') {
    if (!hasVirsh) throw new VmdeckError('UNSUPPORTED', `${label} is configured for libvirt but has no virsh command`);
    return { toolstack: 'libvirt', ...chooseUri(probe, options.libvirtUri), warnings };
  }
  if (hasXl) {
    if (hasVirsh) warnings.push(`${label} has both xl and virsh; using xl (Xen). Choose libvirt in the host settings to use virsh instead.`);
    return { toolstack: 'xen', warnings };
  }
  // Root with lxc-ls, and a virsh with nowhere to connect (no URI configured, qemu:///system silent): an LXC
  // host with libvirt-clients installed. A normal user keeps the qemu:///session fallback.
  if (hasVirsh && hasLxc && probe.lxcOk === 'yes' && probe.uid === '0' && !libvirtConfigured(probe, options) && probe.system !== 'yes') {
    warnings.push(`${label}: virsh is installed but no libvirt is configured or running; using LXC (choose libvirt in the host settings for virsh).`);
    return { toolstack: 'lxc', warnings };
  }
  if (hasVirsh) return { toolstack: 'libvirt', ...chooseUri(probe, options.libvirtUri), warnings };
  if (hasLxc && probe.lxcOk !== 'no') return { toolstack: 'lxc', warnings };
  throw new VmdeckError('UNSUPPORTED', `${label} has neither xl (Xen), virsh (libvirt) nor lxc-ls (LXC) on the PATH`, {
    notes: [
      'Install libvirt-clients (virsh), the Xen tools (xl) or lxc, or check the PATH of non-interactive SSH sessions.',
      ...(hasLxc ? ['lxc-ls is there but `lxc-ls --version` fails.'] : []),
    ],
  });
}

/** A libvirt URI chosen by the user or the host (not the reachability fallback). */
function libvirtConfigured(probe: ProbeFacts, options: DetectOptions): boolean {
  return Boolean(options.libvirtUri || probe.envUri || probe.uriDefault);
}

function chooseUri(probe: ProbeFacts, configured: string | undefined): { libvirtUri: string; libvirtUriSource: string } {
  if (configured) return { libvirtUri: configured, libvirtUriSource: 'configured' };
  if (probe.envUri) return { libvirtUri: probe.envUri, libvirtUriSource: 'LIBVIRT_DEFAULT_URI' };
  if (probe.uriDefault) return { libvirtUri: probe.uriDefault, libvirtUriSource: 'uri_default' };
  if (probe.system === 'yes') return { libvirtUri: 'qemu:///system', libvirtUriSource: 'qemu:///system reachable' };
  return { libvirtUri: 'qemu:///session', libvirtUriSource: 'fallback to session' };
}

export function createDriver(runner: CommandRunner, detection: DetectionResult): HypervisorDriver {
  if (detection.toolstack === 'xen') return new XenDriver(runner);
  if (detection.toolstack === 'lxc') return new LxcDriver(runner);
  if (!detection.libvirtUri) throw new VmdeckError('CONFIG_ERROR', 'libvirt detection chose no URI');
  return new LibvirtDriver(runner, { uri: detection.libvirtUri });
}
