// The one error type of twinseg. Every failure a user can cause or fix carries a stable code and a
// message that says what to do; the tools layer maps it to an MCP tool error in one place.

export type ErrorCode =
  | 'INVALID_INPUT' // a value that parses but makes no sense (bad id, empty list, out-of-range point)
  | 'IMAGE_NOT_FOUND'
  | 'IMAGE_UNREADABLE' // corrupt, truncated, unsupported or not an image
  | 'IMAGE_TOO_LARGE' // byte or pixel limit
  | 'PATH_NOT_ALLOWED' // outside the allowed roots, `..`, NUL, symlink escape
  | 'FILE_EXISTS' // an output file is there already and replacing it was not asked for
  | 'MODEL_NOT_FOUND'
  | 'MODEL_CORRUPT' // SHA-256 or size mismatch, or not a usable ONNX graph
  | 'MODEL_INCOMPATIBLE' // inputs/outputs the runtime cannot drive
  | 'DOWNLOAD_FAILED'
  | 'PROVIDER_UNAVAILABLE'
  | 'TWIN_NOT_FOUND'
  | 'OBJECT_NOT_FOUND'
  | 'UNKNOWN_FIELD'
  | 'CANCELLED'
  | 'IO_ERROR'
  | 'INTERNAL';

export class TwinsegError extends Error {
  readonly code: ErrorCode;
  /** What the user can do about it; shown after the message. */
  readonly hint?: string;
  readonly details?: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { hint?: string; cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'TwinsegError';
    this.code = code;
    this.hint = opts.hint;
    this.details = opts.details;
  }

  /** Message and hint as one line for a person or a model to read. */
  get fullMessage(): string {
    return this.hint ? `${this.message} ${this.hint}` : this.message;
  }
}

export function isTwinsegError(e: unknown): e is TwinsegError {
  return e instanceof TwinsegError;
}

/** Throws CANCELLED if the signal has fired; call between units of long work. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new TwinsegError('CANCELLED', 'The operation was cancelled.', { cause: signal.reason });
  }
}

/** The message of anything thrown, for logs and error text. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Wraps anything thrown into a TwinsegError, keeping ones that already are. */
export function toTwinsegError(e: unknown, fallback: ErrorCode = 'INTERNAL'): TwinsegError {
  if (e instanceof TwinsegError) return e;
  return new TwinsegError(fallback, errorMessage(e), { cause: e });
}
