/**
 * `npm run serve`: browser mode. Starts the backend and the loopback server and prints exactly one line on
 * stdout, the URL with this run's token. Everything else goes to stderr.
 *   --port N          port on 127.0.0.1 (default 4780; 0 picks a free one)
 *   --config-dir DIR  where hosts, settings and accepted host keys live (default: the XDG config dir)
 *   --known-hosts F   an extra known_hosts file to trust (repeatable), e.g. a lab's
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createBackend } from '../app/backend';
import { defaultConfigDir } from '../app/paths';
import { startWebServer } from './server';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '4780' },
      'config-dir': { type: 'string' },
      'known-hosts': { type: 'string', multiple: true },
      'static-dir': { type: 'string' },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: not a port number: ${values.port}`);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const backend = await createBackend({
    mode: 'browser',
    configDir: values['config-dir'] ? resolve(values['config-dir']) : defaultConfigDir(),
    version: pkg.version,
    ...(values['known-hosts'] ? { extraKnownHosts: values['known-hosts'].map((f) => resolve(f)) } : {}),
  });
  const server = await startWebServer({
    port,
    staticDir: values['static-dir'] ? resolve(values['static-dir']) : join(root, 'out', 'renderer'),
    clients: backend,
  });
  process.stdout.write(`${server.url}\n`);
  process.stderr.write('vmdeck: browser mode on 127.0.0.1 only; open the URL above (it carries this run\'s token).\n');
  const stop = async () => {
    await server.close();
    await backend.dispose();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((e: unknown) => {
  process.stderr.write(`vmdeck serve: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
