/**
 * `vmdeck display HOST/GUEST [--port N]`: forwards a 127.0.0.1 port to the guest's VNC display through the
 * host's one SSH connection and prints `vnc://127.0.0.1:PORT` for an external viewer, until interrupted.
 * One client at a time; each client gets its own tunnel to the display as it listens at that moment (so a
 * viewer reconnecting after a guest restart reaches the new port). SPICE-only guests: UNSUPPORTED.
 */
import { VmdeckError } from '../core/errors';
import type { Guest } from '../core/models';
import { pickVncDisplay } from '../services/displays/display-session';
import { ExternalForward } from '../services/displays/external-forward';
import type { HostSession } from '../services/host-session';
import { openRelayTunnel } from '../transport/ssh-forward';
import type { CliIo } from './main';

export async function forwardDisplay(session: HostSession, guest: Guest, options: { port: string | undefined; io: CliIo; signal?: AbortSignal }): Promise<number> {
  const { io } = options;
  const port = options.port === undefined ? 0 : Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new VmdeckError('INVALID_ARGUMENT', `not a port: ${options.port}`);
  const label = `${session.config.name}/${guest.name}`;
  const resolve = async () => {
    const driver = session.driver;
    if (!driver) throw new VmdeckError('NOT_CONNECTED', `${session.config.name} is not connected`);
    if (!driver.displays) throw new VmdeckError('UNSUPPORTED', `${driver.toolstack} guests have no graphical consoles in vmdeck`);
    const g = session.guest(guest.uuid) ?? guest;
    const d = pickVncDisplay(await driver.displays({ uuid: g.uuid, name: g.name, domId: g.domId }), undefined, label);
    if (!d.endpoint) throw new VmdeckError('INVALID_STATE', `${label}: ${d.label}`);
    return d;
  };
  const device = await resolve();
  const link = session.link;
  const forward = await ExternalForward.listen({
    port,
    openTunnel: async () => {
      const { endpoint } = await resolve();
      const tunnel = await (link.tunnels ? link.tunnels.open(endpoint!) : openRelayTunnel(link.runner, endpoint!));
      io.stderr.write(`vmdeck: viewer connected (${tunnel.path}${tunnel.relayTool ? `, ${tunnel.relayTool}` : ''})\n`);
      return tunnel;
    },
    onClientError: (e) => io.stderr.write(`vmdeck: ${e instanceof VmdeckError ? `${e.code}: ` : ''}${e instanceof Error ? e.message : String(e)}\n`),
  });
  io.stdout.write(`${forward.address}\n`);
  io.stderr.write(`vmdeck: ${label} ${device.label}${device.hasPassword ? ' (asks for its VNC password)' : ''}; 127.0.0.1 only, one viewer at a time; Ctrl-C stops\n`);
  await new Promise<void>((done) => {
    const stop = () => done();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    process.once('SIGHUP', stop);
    options.signal?.addEventListener('abort', stop, { once: true });
  });
  forward.dispose();
  return 0;
}
