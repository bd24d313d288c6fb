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
  | 'IO_ERROR' // a file or folder that cannot be read or written (the message says why)
  | 'PORT_UNAVAILABLE' // the HTTP server cannot listen: port in use, privileged, or an address not on this machine
  | 'INTERNAL';

export class TwinsegError extends Error {
  readonly code: ErrorCode;
  /** What the user can do about it; shown after the message. */
  readonly hint?: string;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, opts: { hint?: string; cause?: unknown; details?: Record<string, unknown> } = {}) {
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

/**
 * A failed file or socket call (EISDIR, EACCES, EADDRINUSE, …) as a TwinsegError that names what it was
 * doing to what, instead of Node's "EISDIR: illegal operation on a directory, rename '.x.tmp'". `target` is
 * the path the user gave, or for a listen error the address. Errors without a known code come back unchanged.
 */
export function fromSystemError(e: unknown, target: string): unknown {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const io = (message: string, hint: string) => new TwinsegError('IO_ERROR', message, { hint, cause: e });
  const port = (message: string, hint: string) => new TwinsegError('PORT_UNAVAILABLE', message, { hint, cause: e });
  switch (code) {
    case 'EISDIR':
      return io(`${target} is a folder, not a file.`, `Give a file name, e.g. ${target.replace(/[\\/]+$/, '')}/mask.png.`);
    case 'ENOTDIR':
      return io(`A part of ${target} is a file, not a folder.`, 'Check the path; every part before the file name must be a folder.');
    case 'ENOENT':
      return io(`${target} does not exist.`, 'Check the path, or create the folder first.');
    case 'EACCES':
    case 'EPERM':
      return io(`Permission denied for ${target}.`, 'Choose a place your user may write to, or change the permissions.');
    case 'EROFS':
      return io(`${target} is on a read-only file system.`, 'Choose a place on a writable disk.');
    case 'ENOSPC':
    case 'EDQUOT':
      return io(`No space left for ${target}.`, 'Free some disk space or choose another disk.');
    case 'EMFILE':
    case 'ENFILE':
      return io(`Too many open files while writing ${target}.`, 'Raise the limit (ulimit -n) or run fewer jobs at once.');
    case 'ENAMETOOLONG':
      return io(`The path ${target} is too long.`, 'Choose a shorter path.');
    case 'EADDRINUSE':
      return port(`${target} is already in use.`, 'Stop the other server, or choose another port (--http PORT; 0 picks a free one).');
    case 'EADDRNOTAVAIL':
      return port(
        `Cannot listen on ${target}: that address is not on this machine.`,
        "Use 127.0.0.1 (the default) or one of this machine's addresses.",
      );
    default:
      return e;
  }
}

/** fromSystemError for listening on HOST:PORT; there EACCES means a privileged port. */
export function fromListenError(e: unknown, host: string, port: number): unknown {
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  if ((e as NodeJS.ErrnoException | undefined)?.code === 'EACCES') {
    return new TwinsegError('PORT_UNAVAILABLE', `Not allowed to listen on ${where}: ports below 1024 need privileges.`, {
      hint: 'Choose a port from 1024 up (--http 3917), or 0 for a free one.',
      cause: e,
    });
  }
  return fromSystemError(e, where);
}
