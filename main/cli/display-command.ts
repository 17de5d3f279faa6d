/**
 * `vmdeck display HOST/GUEST [--port N]`: forwards a 127.0.0.1 port to the guest's VNC display through the
 * host's one SSH connection (`displays.forward` of the contract) and prints `vnc://127.0.0.1:PORT` for an
 * external viewer, until interrupted. One viewer at a time; each viewer gets its own tunnel to the display as
 * it listens at that moment (so a viewer reconnecting after a guest restart reaches the new port).
 * SPICE-only guests: UNSUPPORTED.
 */
import type { VmdeckApi } from '../core/contract';
import type { Guest } from '../core/models';
import { printable } from './format';
import type { CliIo } from './main';

export async function forwardDisplay(api: VmdeckApi, guest: Guest, hostName: string, options: { port: string | undefined; io: CliIo; signal?: AbortSignal }): Promise<number> {
  const { io } = options;
  // The contract validates the port (an integer 0..65535; 0 picks a free one): a bad one is INVALID_ARGUMENT.
  const forward = await api['displays.forward'](guest.hostId, guest.uuid, options.port === undefined ? {} : { port: Number(options.port) });
  const offViewer = api.on('displays.viewer', (v) => {
    if (v.forwardId === forward.id) io.stderr.write(`vmdeck: viewer connected (${printable(v.path)}${v.relayTool ? `, ${printable(v.relayTool)}` : ''})\n`);
  });
  try {
    io.stdout.write(`${forward.address}\n`);
    io.stderr.write(`vmdeck: ${printable(`${hostName}/${guest.name}`)} ${printable(forward.label)}; 127.0.0.1 only, one viewer at a time; Ctrl-C stops\n`);
    await new Promise<void>((done) => {
      const stop = () => done();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      process.once('SIGHUP', stop);
      options.signal?.addEventListener('abort', stop, { once: true });
    });
  } finally {
    offViewer();
    await api['displays.unforward'](forward.id).catch(() => undefined);
  }
  return 0;
}
