#!/usr/bin/env node
// Delaying TCP proxy for the vmdeck lab (no dependencies).
//
//   node test/lab/delay-proxy.mjs --listen 127.0.0.1:PORT --target 127.0.0.1:PORT --delay-ms 10 [--blackhole]
//
// Every chunk is forwarded --delay-ms late in each direction (10 ms each way = 20 ms RTT),
// order preserved. Blackhole mode holds all traffic (both ways, open and new connections)
// without closing anything, as a network partition does to TCP; when it is switched off the
// held bytes flow again (TCP would have retransmitted them). CLI: SIGUSR1 turns blackhole
// on, SIGUSR2 off. --listen port 0 picks a free port; the bound address is printed as
// "listening 127.0.0.1:PORT" on stdout.
//
// Also importable: createDelayProxy({ listenHost, listenPort, targetHost, targetPort, delayMs }).
import net from 'node:net';
import { pathToFileURL } from 'node:url';

/**
 * @param {{ listenHost?: string, listenPort?: number, targetHost: string, targetPort: number, delayMs: number, blackhole?: boolean }} opts
 */
export async function createDelayProxy(opts) {
  const delayMs = Math.max(0, Number(opts.delayMs) || 0);
  let blackhole = Boolean(opts.blackhole);
  /** @type {Set<() => void>} */
  const flushers = new Set();
  /** @type {Set<net.Socket>} */
  const sockets = new Set();

  // One direction of one connection: src -> dst with delay and blackhole hold.
  function pipe(src, dst) {
    /** @type {{ due: number, data: Buffer | null }[]} */
    const queue = [];
    let timer = null;
    let queued = 0;
    const HIGH = 4 * 1024 * 1024;
    const pump = () => {
      timer = null;
      if (blackhole) return; // held; flushed by setBlackhole(false)
      const now = Date.now();
      while (queue.length && queue[0].due <= now) {
        const item = queue.shift();
        if (item.data === null) { dst.end(); continue; }
        queued -= item.data.length;
        if (!dst.destroyed) dst.write(item.data);
      }
      if (queued < HIGH && src.isPaused()) src.resume();
      if (queue.length) timer = setTimeout(pump, Math.max(0, queue[0].due - Date.now()));
    };
    const schedule = () => { if (!timer && queue.length && !blackhole) timer = setTimeout(pump, Math.max(0, queue[0].due - Date.now())); };
    flushers.add(schedule);
    src.on('data', (d) => {
      queue.push({ due: Date.now() + delayMs, data: d });
      queued += d.length;
      if (queued >= HIGH) src.pause();
      schedule();
    });
    src.on('end', () => { queue.push({ due: Date.now() + delayMs, data: null }); schedule(); });
    const done = () => { flushers.delete(schedule); if (timer) clearTimeout(timer); };
    src.on('close', done);
    dst.on('close', done);
  }

  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const upstream = net.connect({ host: opts.targetHost, port: opts.targetPort, allowHalfOpen: true });
    sockets.add(client); sockets.add(upstream);
    client.setNoDelay(true); upstream.setNoDelay(true);
    const kill = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
    client.on('error', kill); upstream.on('error', kill);
    client.on('close', () => setTimeout(kill, delayMs + 5));
    upstream.on('close', () => setTimeout(kill, delayMs + 5));
    pipe(client, upstream);
    pipe(upstream, client);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.listenPort ?? 0, opts.listenHost ?? '127.0.0.1', () => resolve(undefined));
  });
  const addr = /** @type {net.AddressInfo} */ (server.address());
  return {
    host: addr.address,
    port: addr.port,
    setBlackhole(on) {
      blackhole = Boolean(on);
      if (!blackhole) for (const f of flushers) f();
    },
    get blackhole() { return blackhole; },
    close() {
      return new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        sockets.clear();
        server.close(() => resolve(undefined));
      });
    },
  };
}

function parseHostPort(s, what) {
  const m = /^(.*):(\d+)$/.exec(s ?? '');
  if (!m) throw new Error(`${what} must be HOST:PORT`);
  return { host: m[1], port: Number(m[2]) };
}

async function main(argv) {
  const args = { delay: 0, blackhole: false, listen: '127.0.0.1:0', target: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--listen') args.listen = argv[++i];
    else if (a === '--target') args.target = argv[++i];
    else if (a === '--delay-ms') args.delay = Number(argv[++i]);
    else if (a === '--blackhole') args.blackhole = true;
    else if (a === '-h' || a === '--help') {
      console.log('usage: delay-proxy.mjs --listen HOST:PORT --target HOST:PORT --delay-ms N [--blackhole]');
      return;
    } else throw new Error(`unknown argument ${a}`);
  }
  const l = parseHostPort(args.listen, '--listen');
  const t = parseHostPort(args.target, '--target');
  const p = await createDelayProxy({ listenHost: l.host, listenPort: l.port, targetHost: t.host, targetPort: t.port, delayMs: args.delay, blackhole: args.blackhole });
  console.log(`listening ${p.host}:${p.port}`);
  process.on('SIGUSR1', () => p.setBlackhole(true));
  process.on('SIGUSR2', () => p.setBlackhole(false));
  const stop = () => { p.close().then(() => process.exit(0)); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).catch((e) => { console.error(String(e?.message ?? e)); process.exit(2); });
}
