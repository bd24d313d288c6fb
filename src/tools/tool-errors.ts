// The one place where failures become MCP tool errors: a result with isError and a message the host
// model can act on, never a thrown protocol error and never a process exit.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ZodError } from 'zod';
import { isTwinsegError, TwinsegError, errorMessage } from '../errors.js';

export function describeZodError(e: ZodError): string {
  const issues = e.issues.map((i) => `${i.path.length ? i.path.join('.') : '(input)'}: ${i.message}`);
  return issues.join('; ');
}

/** Longest message and hint parts of an error text; either may quote an argument (an id, a path). */
export const MAX_ERROR_MESSAGE_CHARS = 1_500;
export const MAX_ERROR_HINT_CHARS = 1_000;

/** A text that quotes an argument must not echo a 100 kB argument back whole. */
function capped(text: string, max = MAX_ERROR_MESSAGE_CHARS): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length - max} more characters cut)`;
}

/** Error text as `CODE: message hint`, so a model can branch on the code and follow the hint. */
export function errorText(e: unknown): string {
  if (isTwinsegError(e)) return `${e.code}: ${capped(e.message)}${e.hint ? ` ${capped(e.hint, MAX_ERROR_HINT_CHARS)}` : ''}`;
  if (e instanceof ZodError) {
    return `INVALID_INPUT: ${capped(describeZodError(e))}. Check the argument types against the tool's input schema.`;
  }
  const message = capped(errorMessage(e));
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

/** Schema issues shown in one error; a 20,000-element array of wrong types must not give 20,000 lines. */
const MAX_ISSUES_SHOWN = 5;
const MAX_ISSUE_CHARS = 300;

/** The SDK's issue lines (`<message> at <path>`) as `path: message`, the first few only. */
function sdkIssues(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const shown = lines.slice(0, MAX_ISSUES_SHOWN).map((line) => {
    const m = /^([\s\S]*?) at ([^\s]+)$/.exec(line);
    const [message, where] = m ? [m[1]!, m[2]!] : [line, '(input)'];
    const said = message.replace(/expected (.+?), received undefined/, 'missing (expected $1)');
    const one = `${where}: ${said}`;
    return one.length > MAX_ISSUE_CHARS ? `${one.slice(0, MAX_ISSUE_CHARS)}…` : one;
  });
  const more = lines.length - shown.length;
  return shown.join('; ') + (more > 0 ? `; and ${more} more problem(s)` : '');
}

/**
 * Text for a tool error the SDK produced itself, before any twinseg handler ran: arguments that fail
 * the advertised input schema, an unknown tool name, or a result that fails the output schema. The SDK
 * words these `MCP error -32602: Input validation error: ...`; the host gets twinseg's `CODE: message
 * hint` form instead, like every other tool error.
 */
export function sdkToolErrorText(sdkMessage: string): string {
  const msg = sdkMessage.replace(/^(MCP error -?\d+: )+/, '');
  const invalid = /^Input validation error: Invalid arguments for tool (\S+): ([\s\S]*)$/.exec(msg);
  if (invalid) {
    return (
      `INVALID_INPUT: Invalid arguments for ${invalid[1]}: ${sdkIssues(invalid[2]!).replace(/\.$/, '')}. ` +
      "Fix these fields to match the tool's input schema (tools/list shows it) and call again."
    );
  }
  const tooBig = /^Invalid arguments for tool (\S+): (arguments contain more than .*)$/.exec(msg);
  if (tooBig) return `INVALID_INPUT: Invalid arguments for ${tooBig[1]}: ${tooBig[2]}. Send fewer items per call.`;
  const unknown = /^Tool ([\s\S]*) (?:not found|disabled)$/.exec(msg);
  if (unknown) {
    const name = unknown[1]!.length > 80 ? `${unknown[1]!.slice(0, 80)}…` : unknown[1]!;
    return `INVALID_INPUT: There is no tool named ${JSON.stringify(name)}. Call tools/list for the tools this server has.`;
  }
  return errorText(new Error(msg));
}

/**
 * Routes the SDK's own tool errors through sdkToolErrorText. McpServer keeps the hook private
 * (createToolError); if a later SDK drops it, the fuzz test (test/tools/mcp-fuzz.test.ts) says so.
 */
export function codeSdkToolErrors(server: McpServer): void {
  const hook = server as unknown as { createToolError?: (message: string) => CallToolResult };
  if (typeof hook.createToolError !== 'function') return;
  hook.createToolError = (message: string) => ({ isError: true, content: [{ type: 'text', text: sdkToolErrorText(message) }] });
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
