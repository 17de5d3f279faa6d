/**
 * The `vmdeck` command: the same services as the app (transport, detection, drivers, inventory, consoles),
 * for scripts and terminals.
 *
 *   vmdeck [--ssh-config FILE] [--config-dir DIR] [--json] [--trace] COMMAND ...
 *     hosts                                   hosts known to vmdeck (or declared in --ssh-config)
 *     list [HOST...]                          guests of these hosts (default: all)
 *     info HOST/GUEST                         details of one guest
 *     start|shutdown|reboot|destroy|reset|pause|resume|save|restore HOST/GUEST [--path FILE] [--timeout SEC]
 *     console HOST/GUEST [--device NAME]      attach this terminal to the guest's console (Ctrl-] detaches)
 *
 * GUEST is a name or a UUID. --trace prints every command run on a host (argv, exit status, duration) to stderr. Errors go to stderr as "vmdeck: CODE: message"; the exit status follows the
 * error class (see exit-codes.ts). Without a TTY, host-key and password prompts are declined.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ActionOptions, HostConfig } from '../core/contract';
import { VmdeckError, isVmdeckError, toErrorData } from '../core/errors';
import { LIFECYCLE_ACTIONS, type Guest, type LifecycleAction } from '../core/models';
import { createHostLinkFactory } from '../app/host-links';
import { defaultConfigDir } from '../app/paths';
import { createSessionDeps } from '../app/session-deps';
import { listSshConfigCandidates } from '../app/ssh-config-import';
import { ActivityLog } from '../services/activity-log';
import { HostRegistry } from '../services/host-registry';
import type { HostSession } from '../services/host-session';
import { HostStore } from '../services/host-store';
import { MemoryHostCatalog } from '../services/memory-host-catalog';
import { SettingsStore } from '../services/settings-store';
import { EXIT_OK, EXIT_USAGE, exitCodeFor } from './exit-codes';
import { formatGuestTable, formatHostsTable } from './format';
import { createTerminalPromptBroker } from './terminal-prompts';
import { attachConsole } from './console-command';
import { forwardDisplay } from './display-command';

const USAGE = `usage: vmdeck [--ssh-config FILE] [--config-dir DIR] [--json] [--trace] COMMAND ...
  hosts | list [HOST...] | info HOST/GUEST | console HOST/GUEST [--device NAME] | display HOST/GUEST [--port N]
  ${LIFECYCLE_ACTIONS.filter((a) => !a.startsWith('autostart')).join('|')} HOST/GUEST [--path FILE] [--timeout SEC]
`;

export interface CliIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
}

export async function runCli(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin }): Promise<number> {
  if (argv[0] === '--version') {
    io.stdout.write(`vmdeck ${packageVersion()}\n`);
    return EXIT_OK;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        'ssh-config': { type: 'string' },
        'config-dir': { type: 'string' },
        json: { type: 'boolean', default: false },
        path: { type: 'string' },
        timeout: { type: 'string' },
        device: { type: 'string' },
        port: { type: 'string' },
        trace: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    io.stderr.write(`vmdeck: ${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
    return EXIT_USAGE;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    (values.help ? io.stdout : io.stderr).write(USAGE);
    return values.help ? EXIT_OK : EXIT_USAGE;
  }

  const configDir = values['config-dir'] ? resolve(values['config-dir']) : defaultConfigDir();
  const catalog = values['ssh-config'] ? new MemoryHostCatalog() : new HostStore(configDir);
  if (values['ssh-config']) {
    const file = resolve(values['ssh-config']);
    for (const c of listSshConfigCandidates(file)) catalog.add({ name: c.alias, transport: 'ssh', address: c.alias, sshConfigFile: file });
  }
  const activity = new ActivityLog();
  if (values.trace) {
    // Every command vmdeck runs on a host, as the activity log shows it in the app.
    activity.onDidAdd((r) => io.stderr.write(`vmdeck: trace: ${JSON.stringify(r.argv)} exit=${r.exitCode ?? r.error ?? '-'} ${r.durationMs}ms\n`));
  }
  const registry = new HostRegistry(
    catalog,
    createHostLinkFactory({ configDir, prompts: createTerminalPromptBroker(io.stdin, io.stderr), activity }),
    // Only a console needs live state (to reattach after a reboot); other commands take one snapshot.
    createSessionDeps(new SettingsStore(configDir), { watch: command === 'console' || command === 'display' }),
  );

  try {
    switch (command) {
      case 'hosts':
        io.stdout.write(values.json ? JSON.stringify(registry.list().map((h) => h.config), null, 2) + '\n' : formatHostsTable(registry.list().map((h) => h.config)));
        return EXIT_OK;
      case 'list': {
        const sessions = rest.length > 0 ? rest.map((n) => hostByName(registry, n)) : registry.list().map((h) => registry.session(h.config.id));
        const guests: Guest[] = [];
        const failures: string[] = [];
        await Promise.all(
          sessions.map(async (s) => {
            try {
              await s.connect();
              guests.push(...s.guests());
            } catch (e) {
              failures.push(`${s.config.name}: ${toErrorData(e).code}: ${toErrorData(e).message}`);
              if (sessions.length === 1) throw e;
            }
          }),
        );
        const names = new Map(sessions.map((s) => [s.config.id, s.config.name]));
        const withHost = guests.map((g) => ({ ...g, host: names.get(g.hostId) ?? g.hostId }));
        io.stdout.write(values.json ? JSON.stringify(withHost, null, 2) + '\n' : formatGuestTable(withHost));
        for (const f of failures) io.stderr.write(`vmdeck: ${f}\n`);
        return failures.length > 0 ? 1 : EXIT_OK;
      }
      case 'info': {
        const { session, guest } = await resolveGuest(registry, rest[0]);
        const details = await session.details(guest.uuid);
        io.stdout.write(JSON.stringify(values.json ? details : { ...guest, ...details, raw: undefined }, null, 2) + '\n');
        return EXIT_OK;
      }
      case 'console': {
        const { session, guest } = await resolveGuest(registry, rest[0]);
        return await attachConsole(session, guest, { device: values.device, io });
      }
      case 'display': {
        const { session, guest } = await resolveGuest(registry, rest[0]);
        return await forwardDisplay(session, guest, { port: values.port, io });
      }
      default: {
        if (!(LIFECYCLE_ACTIONS as readonly string[]).includes(command)) {
          io.stderr.write(`vmdeck: unknown command ${command}\n${USAGE}`);
          return EXIT_USAGE;
        }
        const { session, guest } = await resolveGuest(registry, rest[0]);
        const options: ActionOptions = {
          ...(values.path ? { path: values.path } : {}),
          ...(values.timeout ? { timeoutSec: Number(values.timeout) } : {}),
        };
        await session.action(guest.uuid, command as LifecycleAction, options);
        const after = session.guest(guest.uuid);
        io.stdout.write(values.json ? JSON.stringify(after ?? null) + '\n' : `${guest.name}: ${after?.state ?? 'gone'}\n`);
        return EXIT_OK;
      }
    }
  } catch (e) {
    const data = toErrorData(e);
    io.stderr.write(`vmdeck: ${data.code}: ${data.message}\n`);
    if (data.details?.stderr) io.stderr.write(`${String(data.details.stderr).trimEnd()}\n`);
    if (data.details?.expectedFingerprint) io.stderr.write(`  known key:   ${data.details.expectedFingerprint}\n  offered key: ${String(data.details.actualFingerprint)}\n`);
    return isVmdeckError(e) || data.code !== 'INTERNAL' ? exitCodeFor(data.code) : 1;
  } finally {
    registry.dispose();
  }
}

function hostByName(registry: HostRegistry, name: string): HostSession {
  const s = registry.findByName(name);
  if (!s) throw new VmdeckError('NOT_FOUND', `no host named ${name}`);
  return s;
}

async function resolveGuest(registry: HostRegistry, spec: string | undefined): Promise<{ session: HostSession; guest: Guest; host: HostConfig }> {
  const slash = spec?.indexOf('/') ?? -1;
  if (!spec || slash <= 0 || slash === spec.length - 1) throw new VmdeckError('INVALID_ARGUMENT', 'expected HOST/GUEST');
  const session = hostByName(registry, spec.slice(0, slash));
  const wanted = spec.slice(slash + 1);
  await session.connect();
  const all = session.guests();
  const guest = all.find((g) => g.uuid.toLowerCase() === wanted.toLowerCase()) ?? all.find((g) => g.name === wanted);
  if (!guest) throw new VmdeckError('NOT_FOUND', `no guest ${wanted} on ${session.config.name}`);
  return { session, guest, host: session.config };
}

function packageVersion(): string {
  const file = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) runCli(process.argv.slice(2)).then((code) => process.stdout.write('', () => process.exit(code)));
