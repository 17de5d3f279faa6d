/**
 * An in-process SSH server (ssh2's Server) for transport unit tests. Exec requests run through a real
 * local `sh -c`, so quoting is exercised end to end. Authentication is scripted per test and every attempt
 * is recorded, so tests can assert the order of methods and that nothing was attempted at all.
 */
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import type { AuthContext, Connection, ServerChannel } from 'ssh2';

export interface AuthAttempt {
  method: string;
  username: string;
  /** For publickey: whether the attempt carried a signature (false = query only). */
  signed?: boolean;
  keyBlob?: Buffer;
  password?: string;
  answers?: string[][];
}

export interface TestServerOptions {
  /** Decides each attempt. Default: reject everything but record it. */
  authenticate?: (ctx: AuthContext, record: AuthAttempt) => void;
  /** Methods announced on failure (default: publickey, password, keyboard-interactive). */
  methods?: string[];
  hostKeyType?: 'ed25519' | 'ecdsa';
}

export interface TestServer {
  port: number;
  hostKeyPrivate: string;
  hostKeyBlob: Buffer;
  attempts: AuthAttempt[];
  /** TCP connections accepted so far. */
  connections: number;
  /** Session channels open now and the maximum ever open at once. */
  openSessions: number;
  maxOpenSessions: number;
  windowChanges: { rows: number; cols: number }[];
  clients: Set<Connection>;
  /** Kill every client connection (simulates a server crash / network drop). */
  dropAll(): void;
  close(): Promise<void>;
}

export function generateHostKey(type: 'ed25519' | 'ecdsa' = 'ed25519'): { privateKey: string; blob: Buffer; publicLine: string } {
  // ssh2's generator occasionally drops a leading zero byte of an Ed25519 public key (about 1 in 250),
  // producing a key its own parser rejects: generate until both halves parse.
  for (;;) {
    const pair = type === 'ecdsa' ? ssh2.utils.generateKeyPairSync('ecdsa', { bits: 256 }) : ssh2.utils.generateKeyPairSync('ed25519');
    const parsed = ssh2.utils.parseKey(pair.public);
    if (parsed instanceof Error || ssh2.utils.parseKey(pair.private) instanceof Error) continue;
    const key = Array.isArray(parsed) ? parsed[0]! : parsed;
    return { privateKey: pair.private, blob: key.getPublicSSH(), publicLine: pair.public };
  }
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const hostKey = generateHostKey(options.hostKeyType);
  const methods = options.methods ?? ['publickey', 'password', 'keyboard-interactive'];
  const state: TestServer = {
    port: 0,
    hostKeyPrivate: hostKey.privateKey,
    hostKeyBlob: hostKey.blob,
    attempts: [],
    connections: 0,
    openSessions: 0,
    maxOpenSessions: 0,
    windowChanges: [],
    clients: new Set(),
    dropAll: () => {
      for (const c of state.clients) (c as unknown as { _sock: { destroy(): void } })._sock.destroy();
    },
    close: async () => {
      state.dropAll();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };

  const server = new ssh2.Server({ hostKeys: [hostKey.privateKey] }, (client) => {
    state.connections++;
    state.clients.add(client);
    client.on('close', () => state.clients.delete(client));
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      const record: AuthAttempt = { method: ctx.method, username: ctx.username };
      if (ctx.method === 'publickey') {
        record.signed = ctx.signature !== undefined;
        record.keyBlob = ctx.key.data;
      }
      if (ctx.method === 'password') record.password = ctx.password;
      state.attempts.push(record);
      if (options.authenticate) options.authenticate(ctx, record);
      else ctx.reject(methods as never);
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        let open = true;
        state.openSessions++;
        state.maxOpenSessions = Math.max(state.maxOpenSessions, state.openSessions);
        const closeSession = () => {
          if (!open) return;
          open = false;
          state.openSessions--;
        };
        session.on('close', closeSession);
        session.on('pty', (acc) => acc?.());
        session.on('window-change', (acc, _rej, info) => {
          state.windowChanges.push({ rows: info.rows, cols: info.cols });
          acc?.();
        });
        session.on('exec', (acc, _rej, info) => {
          const stream = acc();
          runShell(stream, info.command, closeSession);
        });
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  state.port = (server.address() as AddressInfo).port;
  return state;
}

function runShell(stream: ServerChannel, command: string, onDone: () => void): void {
  const child = spawn('sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdout.pipe(stream, { end: false });
  child.stderr.pipe(stream.stderr, { end: false });
  stream.pipe(child.stdin).on('error', () => undefined);
  child.stdin.on('error', () => undefined);
  let exited = false;
  child.on('close', (code, signal) => {
    exited = true;
    try {
      if (code !== null) stream.exit(code);
      else stream.exit(signal ?? 'KILL', false, '');
      stream.end();
    } catch {
      // channel already gone
    }
    onDone();
  });
  stream.on('close', () => {
    if (!exited) child.kill('SIGKILL');
  });
}

/** Accepts a fixed public key blob (with signature check done by ssh2's verify). */
export function acceptKey(blob: Buffer): (ctx: AuthContext) => boolean {
  return (ctx) => ctx.method === 'publickey' && ctx.key.data.equals(blob);
}
