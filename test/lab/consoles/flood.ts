/**
 * Measures a console under a flood: the guest prints `seq 1 N` then a done line while a deliberately slow
 * terminal acknowledges output; checks every number arrives in order and samples the backend's memory.
 */
import type { ConsoleSession } from '../../../main/services/consoles/console-session';
import type { LabConsoleHost } from './lab-console-host';

export interface FloodOptions {
  count: number;
  /** Bytes acknowledged per 100 ms tick once the terminal "catches up". */
  ackPerTick: number;
  /** Acknowledge nothing until the channel has been paused once (a terminal that stalls first). */
  stallUntilPaused: boolean;
  /** A fast terminal: acknowledge every batch as it arrives (ackPerTick is ignored). */
  ackImmediately?: boolean;
  timeoutMs: number;
}

export interface FloodFigures {
  seconds: number;
  receivedBytes: number;
  throughputKiBps: number;
  maxBufferedBytes: number;
  pauses: number;
  rssDeltaMiB: number;
  arrayBuffersDeltaMiB: number;
  outOfOrder: number;
  lastNumber: number;
}

const MiB = 1024 * 1024;

export async function flood(host: LabConsoleHost, id: string, session: ConsoleSession, options: FloodOptions): Promise<FloodFigures> {
  host.autoAck = false;
  host.record = false;
  const decoder = new TextDecoder();
  let carry = '';
  let expected = 1;
  let outOfOrder = 0;
  let lastNumber = 0;
  let received = 0;
  let acked = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  let started = false;
  host.onData = (_id, data) => {
    received += data.byteLength;
    if (options.ackImmediately) {
      acked += data.byteLength;
      queueMicrotask(() => host.service.ack(id, data.byteLength));
    }
    const lines = (carry + decoder.decode(data, { stream: true })).split('\r\n');
    carry = lines.pop() ?? '';
    for (const line of lines) {
      if (/^\d+$/.test(line)) {
        const n = Number(line);
        if (n === 1) started = true;
        if (!started) continue;
        if (n !== expected) outOfOrder += 1;
        expected = n + 1;
        lastNumber = n;
      } else if (line === 'flood-42-done') done();
    }
  };
  let stalled = options.stallUntilPaused;
  let maxBuffered = 0;
  let pauses = 0;
  let wasPaused = false;
  const before = process.memoryUsage();
  let maxRss = before.rss;
  let maxArrayBuffers = before.arrayBuffers;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    maxRss = Math.max(maxRss, m.rss);
    maxArrayBuffers = Math.max(maxArrayBuffers, m.arrayBuffers);
    maxBuffered = Math.max(maxBuffered, session.bufferedBytes);
    if (session.paused && !wasPaused) pauses += 1;
    wasPaused = session.paused;
    if (session.paused) stalled = false;
  }, 10);
  const acker = setInterval(() => {
    if (stalled || options.ackImmediately) return;
    const n = Math.min(options.ackPerTick, received - acked);
    acked += n;
    host.service.ack(id, n);
  }, 100);
  const t0 = Date.now();
  let timeout: NodeJS.Timeout | undefined;
  try {
    host.service.input(id, `seq 1 ${options.count}; echo flood-$((40+2))-done\r`);
    await Promise.race([
      finished,
      new Promise((_, reject) => {
        timeout = setTimeout(() => reject(new Error(`flood did not finish: last number ${lastNumber}, received ${received}`)), options.timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timeout);
    clearInterval(sampler);
    clearInterval(acker);
    host.onData = undefined;
    host.service.ack(id, 1 << 30);
    host.autoAck = true;
    host.record = true;
  }
  const seconds = (Date.now() - t0) / 1000;
  return {
    seconds,
    receivedBytes: received,
    throughputKiBps: Math.round(received / 1024 / seconds),
    maxBufferedBytes: maxBuffered,
    pauses,
    rssDeltaMiB: +((maxRss - before.rss) / MiB).toFixed(1),
    arrayBuffersDeltaMiB: +((maxArrayBuffers - before.arrayBuffers) / MiB).toFixed(1),
    outOfOrder,
    lastNumber,
  };
}
