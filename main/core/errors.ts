/**
 * Typed errors. Every failure that crosses a layer carries a stable `code`; callers branch on the code,
 * never on message text. `toErrorData`/`fromErrorData` carry errors across IPC and WebSocket as plain data
 * (Electron's `ipcMain.handle` keeps only an Error's message).
 */
export const ERROR_CODES = [
  'HOST_KEY_MISMATCH',
  'HOST_KEY_UNKNOWN',
  'HOST_KEY_REVOKED',
  'AUTH_FAILED',
  'UNREACHABLE',
  'DISCONNECTED',
  'NOT_CONNECTED',
  'NOT_FOUND',
  'COMMAND_FAILED',
  'TIMEOUT',
  'CANCELLED',
  'PARSE_ERROR',
  'UNSUPPORTED',
  'INVALID_STATE',
  'PERMISSION_DENIED',
  'INVALID_ARGUMENT',
  'FORBIDDEN_SENDER',
  'OUTPUT_TOO_LARGE',
  'CONFIG_ERROR',
  'ALREADY_EXISTS',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Extra facts about a failure, all optional and all plain data. */
export interface ErrorDetails {
  exitCode?: number | null;
  stderr?: string;
  command?: readonly string[];
  host?: string;
  /** For HOST_KEY_*: the fingerprint we expected and the one the server offered (SHA256:...). */
  expectedFingerprint?: string;
  actualFingerprint?: string;
  keyType?: string;
  /** Free-form detail lines shown under "details" in the UI. */
  notes?: string[];
  [key: string]: unknown;
}

export interface ErrorData {
  code: ErrorCode;
  message: string;
  details?: ErrorDetails;
}

export class VmdeckError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails | undefined;

  constructor(code: ErrorCode, message: string, details?: ErrorDetails, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VmdeckError';
    this.code = code;
    this.details = details;
  }

  toData(): ErrorData {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isVmdeckError(e: unknown, code?: ErrorCode): e is VmdeckError {
  return e instanceof VmdeckError && (code === undefined || e.code === code);
}

/** Any thrown value as transportable data; unknown errors become INTERNAL with their message only. */
export function toErrorData(e: unknown): ErrorData {
  if (e instanceof VmdeckError) return e.toData();
  if (isErrorData(e)) return e;
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'INTERNAL', message };
}

export function fromErrorData(data: ErrorData): VmdeckError {
  return new VmdeckError(data.code, data.message, data.details);
}

export function isErrorData(v: unknown): v is ErrorData {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.message === 'string' && typeof o.code === 'string' && (ERROR_CODES as readonly string[]).includes(o.code);
}
