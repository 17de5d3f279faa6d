/**
 * The `vmdeck` command: a client of the same backend as the app (main/app/backend.ts), in-process. Every
 * operation is a contract call through the same dispatch as a window's (validated arguments, the same
 * typed errors); nothing here reaches below the contract.
 *
 *   vmdeck [--ssh-config FILE] [--config-dir DIR] [--json] [--trace] COMMAND ...
 *     hosts                                   hosts known to vmdeck (or declared in --ssh-config)
 *     list [HOST...]                          guests of these hosts (default: all)
 *     info HOST/GUEST                         details of one guest
 *     ACTION HOST/GUEST... [--path FILE] [--timeout SEC] [--concurrency N]
 *     ACTION --match FILTER [HOST...]         every guest the filter matches (the UI's filter language)
 *     console HOST/GUEST [--device NAME]      attach this terminal to the guest's console (Ctrl-] detaches)
 *     display HOST/GUEST [--port N]           forward 127.0.0.1:N to the guest's VNC display for an external viewer
 *   ACTION: start|shutdown|reboot|destroy|reset|pause|resume|save|restore
 *
 * GUEST is a name or a UUID. One guest runs `guests.action`; several (or --match) run one
 * `guests.bulkAction` task with a line per guest (Ctrl-C cancels what has not started). --trace prints
 * every command run on a host (argv, exit status, duration) to stderr. Errors go to stderr as
 * "vmdeck: CODE: message"; the exit status follows the error class (see exit-codes.ts). Without a TTY,
 * host-key and password prompts are declined.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createBackend } from '../app/backend';
import { connectInProcess } from '../app/in-process-client';
import { defaultConfigDir } from '../app/paths';
import { BULK_ACTIONS, type HostView, type TaskInfo, type VmdeckApi } from '../core/contract';
import { VmdeckError, toErrorData, type ErrorData } from '../core/errors';
import { matchesFilter, parseFilter, type ParsedFilter } from '../core/filter';
import { setListenerErrorSink } from '../core/lifecycle';
import { LIFECYCLE_ACTIONS, type Guest, type LifecycleAction } from '../core/models';
import { attachConsole } from './console-command';
import { forwardDisplay } from './display-command';
import { EXIT_OK, EXIT_USAGE, exitCodeFor } from './exit-codes';
import { formatActionResult, formatError, formatGuestTable, formatHostsTable, formatJson, formatTaskResult, formatTrace, printable } from './format';
import { createTerminalPromptBroker } from './terminal-prompts';

const ACTIONS = LIFECYCLE_ACTIONS.filter((a) => !a.startsWith('autostart'));

const USAGE = `usage: vmdeck [--ssh-config FILE] [--config-dir DIR] [--json] [--trace] COMMAND ...
  hosts | list [HOST...] | info HOST/GUEST | console HOST/GUEST [--device NAME] | display HOST/GUEST [--port N]
  ${ACTIONS.join('|')} HOST/GUEST... [--path FILE] [--timeout SEC] [--concurrency N]
  ${ACTIONS.join('|')} --match FILTER [HOST...]
`;

export interface CliIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
}

type Values = {
  'ssh-config'?: string;
  'config-dir'?: string;
  json: boolean;
  path?: string;
  timeout?: string;
  concurrency?: string;
  device?: string;
  port?: string;
  match?: string;
  trace: boolean;
  help: boolean;
};

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
        concurrency: { type: 'string' },
        device: { type: 'string' },
        port: { type: 'string' },
        match: { type: 'string' },
        trace: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    io.stderr.write(`vmdeck: ${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
    return EXIT_USAGE;
  }
  const values = parsed.values as Values;
  const [command, ...rest] = parsed.positionals;
  if (values.help || !command) {
    (values.help ? io.stdout : io.stderr).write(USAGE);
    return values.help ? EXIT_OK : EXIT_USAGE;
  }
  if (!['hosts', 'list', 'info', 'console', 'display', ...ACTIONS].includes(command)) {
    io.stderr.write(`vmdeck: unknown command ${printable(command)}\n${USAGE}`);
    return EXIT_USAGE;
  }

  const configDir = values['config-dir'] ? resolve(values['config-dir']) : defaultConfigDir();
  const backend = await createBackend({
    mode: 'cli',
    configDir,
    version: packageVersion(),
    autoConnect: false,
    // --ssh-config hosts live for this run only.
    persistHosts: values['ssh-config'] === undefined,
    // Only a console needs live state (to reattach after a reboot); other commands take one snapshot.
    watch: command === 'console' || command === 'display',
  });
  // A failing listener anywhere (a closed stdout) is reported once on stderr, never rethrown.
  const sink = setListenerErrorSink((e) => io.stderr.write(formatError(toErrorData(e), 'listener')));
  const client = connectInProcess(backend);
  const api = client.api;
  const broker = createTerminalPromptBroker(io.stdin, io.stderr);
  api.on('prompts.request', (prompt) => {
    void broker
      .ask(prompt)
      .then((answer) => api['prompts.answer'](prompt.id, answer))
      .catch(() => undefined); // the prompt closed meanwhile
  });
  // --trace: every command run on a host (the user's own actions and notices are not commands).
  if (values.trace) api.on('activity.added', (r) => r.kind !== 'action' && r.kind !== 'notice' && io.stderr.write(formatTrace(r)));

  try {
    if (values['ssh-config']) {
      const file = resolve(values['ssh-config']);
      for (const c of await api['hosts.sshConfigCandidates'](file)) {
        await api['hosts.add']({ name: c.alias, transport: 'ssh', address: c.alias, sshConfigFile: file, autoConnect: false });
      }
    }
    return await runCommand(api, command as Command, rest, values, io);
  } catch (e) {
    const data = toErrorData(e);
    io.stderr.write(formatError(data));
    return exitCodeFor(data.code);
  } finally {
    client.dispose();
    await backend.dispose();
    sink.dispose();
  }
}

type Command = 'hosts' | 'list' | 'info' | 'console' | 'display' | (typeof ACTIONS)[number];

async function runCommand(api: VmdeckApi, command: Command, rest: string[], values: Values, io: CliIo): Promise<number> {
  const hosts = await api['hosts.list']();
  const names = new Map(hosts.map((h) => [h.config.id, h.config.name]));
  switch (command) {
    case 'hosts':
      io.stdout.write(values.json ? formatJson(hosts.map((h) => h.config)) : formatHostsTable(hosts.map((h) => h.config)));
      return EXIT_OK;
    case 'list': {
      const wanted = rest.length > 0 ? rest.map((n) => hostByName(hosts, n)) : hosts;
      const failures = await connectAll(api, wanted);
      if (wanted.length === 1 && failures.length === 1) throw failures[0]!.error;
      const ids = new Set(wanted.filter((h) => !failures.some((f) => f.host === h)).map((h) => h.config.id));
      const guests = (await api['guests.list']()).filter((g) => ids.has(g.hostId)).map((g) => ({ ...g, host: names.get(g.hostId) ?? g.hostId }));
      io.stdout.write(values.json ? formatJson(guests) : formatGuestTable(guests));
      for (const f of failures) io.stderr.write(formatError(f.error, f.host.config.name));
      return failures.length > 0 ? 1 : EXIT_OK;
    }
    case 'info': {
      const guest = await resolveGuest(api, hosts, rest[0]);
      const details = await api['guests.details'](guest.hostId, guest.uuid);
      io.stdout.write(formatJson(values.json ? details : { ...guest, ...details, raw: undefined }));
      return EXIT_OK;
    }
    case 'console': {
      const guest = await resolveGuest(api, hosts, rest[0]);
      return await attachConsole(api, guest, names.get(guest.hostId) ?? guest.hostId, { device: values.device, io });
    }
    case 'display': {
      const guest = await resolveGuest(api, hosts, rest[0]);
      return await forwardDisplay(api, guest, names.get(guest.hostId) ?? guest.hostId, { port: values.port, io });
    }
    default:
      return runAction(api, command, hosts, rest, values, io);
  }
}

async function runAction(api: VmdeckApi, action: LifecycleAction, hosts: HostView[], rest: string[], values: Values, io: CliIo): Promise<number> {
  // Numbers go to the contract as given: `--timeout abc` is the contract's INVALID_ARGUMENT, not NaN.
  const timeoutSec = values.timeout !== undefined ? Number(values.timeout) : undefined;
  const concurrencyPerHost = values.concurrency !== undefined ? Number(values.concurrency) : undefined;
  const options = { ...(values.path !== undefined ? { path: values.path } : {}), ...(timeoutSec !== undefined ? { timeoutSec } : {}) };
  const names = new Map(hosts.map((h) => [h.config.id, h.config.name]));

  let guests: Guest[];
  const unresolved: { spec: string; error: ErrorData }[] = [];
  if (values.match !== undefined) {
    const filter = parseFilter(values.match);
    if (filter.unknownFields.length > 0) throw new VmdeckError('INVALID_ARGUMENT', `unknown filter field ${filter.unknownFields.map((f) => `${f}:`).join(', ')}`);
    const scope = rest.length > 0 ? rest.map((n) => hostByName(hosts, n)) : hosts;
    const failures = await connectAll(api, scope);
    for (const f of failures) unresolved.push({ spec: f.host.config.name, error: f.error });
    guests = await matchGuests(api, scope, filter, names);
    if (guests.length === 0 && failures.length === 0) throw new VmdeckError('NOT_FOUND', `no guest matches ${JSON.stringify(values.match)}`);
  } else {
    if (rest.length === 0) throw new VmdeckError('INVALID_ARGUMENT', 'expected HOST/GUEST (or --match FILTER)');
    guests = [];
    for (const spec of rest) {
      try {
        guests.push(await resolveGuest(api, hosts, spec));
      } catch (e) {
        if (rest.length === 1) throw e;
        unresolved.push({ spec, error: toErrorData(e) });
      }
    }
  }

  // One guest named on the command line: the plain action, with the state it ends in.
  if (values.match === undefined && rest.length === 1 && concurrencyPerHost === undefined) {
    const guest = guests[0]!;
    await api['guests.action'](guest.hostId, guest.uuid, action, options);
    const after = (await api['guests.list']()).find((g) => g.hostId === guest.hostId && g.uuid === guest.uuid);
    io.stdout.write(values.json ? formatJson(after ?? null, false) : formatActionResult(guest.name, after?.state));
    return EXIT_OK;
  }

  for (const u of unresolved) io.stderr.write(formatError(u.error, u.spec));
  if (guests.length === 0) return exitCodeFor(unresolved[0]?.error.code ?? 'NOT_FOUND');
  if (!(BULK_ACTIONS as readonly string[]).includes(action)) {
    throw new VmdeckError('INVALID_ARGUMENT', `${action} takes one guest at a time`);
  }
  const task = await runBulk(api, guests, action as (typeof BULK_ACTIONS)[number], { ...options, ...(concurrencyPerHost !== undefined ? { concurrencyPerHost } : {}) });
  io.stdout.write(values.json ? formatJson(task) : formatTaskResult(task, names));
  const firstFailure = task.items.find((i) => i.state === 'failed')?.error ?? unresolved[0]?.error;
  if (task.state === 'cancelled') return exitCodeFor('CANCELLED');
  return firstFailure ? exitCodeFor(firstFailure.code) : EXIT_OK;
}

/** Starts the bulk action and waits for its task to finish; Ctrl-C cancels it (running actions end their wait). */
async function runBulk(api: VmdeckApi, guests: Guest[], action: (typeof BULK_ACTIONS)[number], options: Record<string, unknown>): Promise<TaskInfo> {
  const seen = new Map<string, TaskInfo>();
  let wake: (() => void) | undefined;
  const off = api.on('tasks.changed', (t) => {
    seen.set(t.id, t);
    wake?.();
  });
  let taskId: string | undefined;
  const onInterrupt = () => {
    if (taskId) void api['tasks.cancel'](taskId).catch(() => undefined);
  };
  process.on('SIGINT', onInterrupt);
  try {
    const started = await api['guests.bulkAction'](
      guests.map((g) => ({ hostId: g.hostId, uuid: g.uuid })),
      action,
      options,
    );
    taskId = started.id;
    for (;;) {
      const latest = seen.get(started.id) ?? started;
      if (latest.state !== 'running') return latest;
      await new Promise<void>((r) => (wake = r));
    }
  } finally {
    off();
    process.off('SIGINT', onInterrupt);
  }
}

async function matchGuests(api: VmdeckApi, scope: HostView[], filter: ParsedFilter, names: Map<string, string>): Promise<Guest[]> {
  const ids = new Set(scope.map((h) => h.config.id));
  return (await api['guests.list']()).filter(
    (g) => ids.has(g.hostId) && !g.isControlDomain && matchesFilter(filter, { ...g, hostName: names.get(g.hostId) ?? '' }),
  );
}

/** Connects hosts in parallel; the ones that fail come back with their error. */
async function connectAll(api: VmdeckApi, hosts: HostView[]): Promise<{ host: HostView; error: ErrorData }[]> {
  const failures: { host: HostView; error: ErrorData }[] = [];
  await Promise.all(
    hosts.map(async (h) => {
      try {
        await api['hosts.connect'](h.config.id);
      } catch (e) {
        failures.push({ host: h, error: toErrorData(e) });
      }
    }),
  );
  return failures;
}

function hostByName(hosts: HostView[], name: string): HostView {
  const h = hosts.find((x) => x.config.name === name);
  if (!h) throw new VmdeckError('NOT_FOUND', `no host named ${name}`);
  return h;
}

async function resolveGuest(api: VmdeckApi, hosts: HostView[], spec: string | undefined): Promise<Guest> {
  const slash = spec?.indexOf('/') ?? -1;
  if (!spec || slash <= 0 || slash === spec.length - 1) throw new VmdeckError('INVALID_ARGUMENT', 'expected HOST/GUEST');
  const host = hostByName(hosts, spec.slice(0, slash));
  const wanted = spec.slice(slash + 1);
  await api['hosts.connect'](host.config.id);
  const all = (await api['guests.list']()).filter((g) => g.hostId === host.config.id);
  const guest = all.find((g) => g.uuid.toLowerCase() === wanted.toLowerCase()) ?? all.find((g) => g.name === wanted);
  if (!guest) throw new VmdeckError('NOT_FOUND', `no guest ${wanted} on ${host.config.name}`);
  return guest;
}

function packageVersion(): string {
  const file = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) runCli(process.argv.slice(2)).then((code) => process.stdout.write('', () => process.exit(code)));
