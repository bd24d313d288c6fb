// The one place where failures become MCP tool errors: a result with isError and a message the host
// model can act on, never a thrown protocol error and never a process exit.
import { ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ZodError } from 'zod';
import { isTwinsegError, TwinsegError, errorMessage } from '../errors.js';

export function describeZodError(e: ZodError): string {
  const issues = e.issues.map((i) => `${i.path.length ? i.path.join('.') : '(input)'}: ${i.message}`);
  return issues.join('; ');
}

/** Error text as `CODE: message hint`, so a model can branch on the code and follow the hint. */
export function errorText(e: unknown): string {
  if (isTwinsegError(e)) return `${e.code}: ${e.fullMessage}`;
  if (e instanceof ZodError) {
    return `INVALID_INPUT: ${describeZodError(e)}. Check the argument types against the tool's input schema.`;
  }
  const message = errorMessage(e);
  return `INTERNAL: ${message}. This is a twinseg bug or an environment problem; the server keeps running, so retrying or reporting it is safe.`;
}

export function toolError(e: unknown): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: errorText(e) }] };
}

/**
 * Wraps a tool callback so every failure comes back as an isError result. Unexpected errors are logged
 * with their stack (to stderr, never stdout) because the model only sees the message.
 */
export function withToolErrors<A, X>(
  name: string,
  log: (msg: string) => void,
  fn: (args: A, extra: X) => Promise<CallToolResult>,
): (args: A, extra: X) => Promise<CallToolResult> {
  return async (args, extra) => {
    try {
      return await fn(args, extra);
    } catch (e) {
      if (!(e instanceof TwinsegError) && !(e instanceof ZodError)) {
        log(`twinseg: ${name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      }
      return toolError(e);
    }
  };
}

/** MCP's "resource not found" code (resources/read has no isError result). */
export const RESOURCE_NOT_FOUND = -32002;

/** The JSON-RPC error for a failed resource read, carrying the same actionable text as tool errors. */
export function resourceError(e: unknown): McpError {
  const code = isTwinsegError(e)
    ? e.code === 'TWIN_NOT_FOUND' || e.code === 'OBJECT_NOT_FOUND'
      ? RESOURCE_NOT_FOUND
      : e.code === 'INTERNAL' || e.code === 'IO_ERROR'
        ? ErrorCode.InternalError
        : ErrorCode.InvalidParams
    : ErrorCode.InternalError;
  return new McpError(code, errorText(e));
}
