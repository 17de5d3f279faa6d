/** The CLI's exit status by error class, so scripts can branch without parsing messages. */
import type { ErrorCode } from '../core/errors';

export const EXIT_OK = 0;
export const EXIT_USAGE = 2;

const BY_CODE: Partial<Record<ErrorCode, number>> = {
  INVALID_ARGUMENT: 2,
  NOT_FOUND: 3,
  AUTH_FAILED: 4,
  HOST_KEY_MISMATCH: 4,
  HOST_KEY_UNKNOWN: 4,
  HOST_KEY_REVOKED: 4,
  UNREACHABLE: 5,
  DISCONNECTED: 5,
  NOT_CONNECTED: 5,
  TIMEOUT: 5,
  COMMAND_FAILED: 6,
  INVALID_STATE: 7,
  PERMISSION_DENIED: 8,
  UNSUPPORTED: 9,
  PARSE_ERROR: 10,
  CANCELLED: 130,
};

export function exitCodeFor(code: ErrorCode): number {
  return BY_CODE[code] ?? 1;
}
