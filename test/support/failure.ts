// Awaits a promise that must reject with a VmdeckError and returns that error for further assertions.
import { isVmdeckError, type VmdeckError } from '../../main/core/errors';

export async function failure(p: Promise<unknown>): Promise<VmdeckError> {
  try {
    await p;
  } catch (e) {
    if (isVmdeckError(e)) return e;
    throw e;
  }
  throw new Error('expected a failure');
}
