/** What run.ts hands each benchmark module. */
import type { Lab } from '../lab/lab';
import type { BenchResult, Network } from './report';
import { startProxyProcess, type ProxyProcess, type Route } from './env';

export interface BenchContext {
  lab: Lab;
  full: boolean;
  /** Networks to run on: direct, and through the delay proxy (~20 ms RTT) unless --no-proxy. */
  networks: Network[];
  log(message: string): void;
}

export type BenchModule = (ctx: BenchContext) => Promise<BenchResult[]>;

/** Delay each way for the "+20 ms RTT" network. */
export const PROXY_DELAY_MS = 10;

/**
 * Runs `fn` with a route to the lab host for the network: direct to its sshd, or through a delay proxy
 * process (10 ms each way) started for the duration of `fn`.
 */
export async function withRoute<T>(ctx: BenchContext, hostName: string, network: Network, fn: (route: Route) => Promise<T>): Promise<T> {
  const h = ctx.lab.hosts[hostName];
  if (!h) throw new Error(`unknown lab host ${hostName}`);
  if (network === 'direct') return fn({ address: h.address, port: h.port, rttMs: 0 });
  let proxy: ProxyProcess | undefined;
  try {
    proxy = await startProxyProcess({ host: h.address, port: h.port }, PROXY_DELAY_MS);
    return await fn({ address: '127.0.0.1', port: proxy.port, rttMs: 2 * PROXY_DELAY_MS });
  } finally {
    await proxy?.close();
  }
}

export function failed(id: string, title: string, network: Network, measured: string, e: unknown): BenchResult {
  return {
    id,
    title,
    network,
    measured,
    vmdeck: 'n/a',
    baseline: 'n/a',
    ratio: null,
    ratioMeaning: '',
    metrics: {},
    notes: [],
    error: e instanceof Error ? e.message.split('\n')[0]!.slice(0, 300) : String(e),
  };
}
