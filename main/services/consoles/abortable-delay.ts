/** A delay on an injected clock that ends early, rejecting CANCELLED, when its signal aborts. */
import { VmdeckError } from '../../core/errors';
import type { Clock } from '../../core/clock';

export function cancelled(what: string): VmdeckError {
  return new VmdeckError('CANCELLED', `${what} cancelled`);
}

export function abortableDelay(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(cancelled('wait'));
      return;
    }
    const onAbort = () => {
      timer.cancel();
      reject(cancelled('wait'));
    };
    const timer = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
