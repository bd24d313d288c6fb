// MCP over stdio, reading requests up to a stated size. The SDK's StdioServerTransport buffers stdin in
// one growing buffer capped at 10 MiB and closes the transport past it, so a base64 image of 7.5 MB
// ended the server without a word. This transport keeps each line's chunks apart until its newline
// (no copy per chunk), reads lines up to `maxMessageBytes` (sized to the largest image the server
// accepts, as the HTTP body limit is), and answers a longer request with a JSON-RPC error naming the
// limit, then goes on with the next line. Messages are (de)serialised by the SDK's own functions.
import type { Readable, Writable } from 'node:stream';
import { deserializeMessage, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, type JSONRPCMessage, type RequestId } from '@modelcontextprotocol/sdk/types.js';

/** Bytes kept of each end of an oversized line, to find its request id. */
const EDGE_BYTES = 512;

export interface BoundedStdioOptions {
  /** Longest message read, in bytes (without its newline). */
  maxMessageBytes: number;
  stdin?: Readable;
  stdout?: Writable;
}

/** An oversized line being skipped: its size so far, and its first and last bytes. */
interface Skipped {
  bytes: number;
  head: Buffer;
  tail: Buffer;
}

/**
 * The id of a JSON-RPC request from the ends of its text: clients write it first (`{"jsonrpc":"2.0",
 * "id":7,…`) or last (`…,"id":7}`, as the TypeScript SDK does). A nested `"id"` cannot match either end.
 */
export function requestIdAtEdges(head: string, tail: string): RequestId | undefined {
  const value = String.raw`(-?\d+|"(?:[^"\\]|\\.){0,200}")`;
  const first = new RegExp(String.raw`^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*${value}`).exec(head);
  const last = new RegExp(String.raw`[,{]\s*"id"\s*:\s*${value}\s*\}\s*$`).exec(tail);
  const raw = first?.[1] ?? last?.[1];
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as RequestId;
  } catch {
    return undefined;
  }
}

export class BoundedStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private readonly stdin: Readable;
  private readonly stdout: Writable;
  private chunks: Buffer[] = [];
  private size = 0;
  private skipped: Skipped | undefined;
  private started = false;

  constructor(private readonly opts: BoundedStdioOptions) {
    this.stdin = opts.stdin ?? process.stdin;
    this.stdout = opts.stdout ?? process.stdout;
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('BoundedStdioTransport already started');
    this.started = true;
    this.stdin.on('data', this.ondata);
    this.stdin.on('error', this.onstreamerror);
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve) => {
      if (this.stdout.write(serializeMessage(message))) resolve();
      else this.stdout.once('drain', resolve);
    });
  }

  async close(): Promise<void> {
    this.stdin.off('data', this.ondata);
    this.stdin.off('error', this.onstreamerror);
    if (this.stdin.listenerCount('data') === 0) this.stdin.pause();
    this.chunks = [];
    this.size = 0;
    this.skipped = undefined;
    this.onclose?.();
  }

  private readonly onstreamerror = (e: Error) => this.onerror?.(e);

  private readonly ondata = (chunk: Buffer) => {
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(0x0a, start);
      this.take(chunk.subarray(start, nl < 0 ? chunk.length : nl));
      if (nl < 0) return;
      this.endLine();
      start = nl + 1;
    }
  };

  private take(piece: Buffer): void {
    if (piece.length === 0) return;
    if (this.skipped) {
      this.skipped.bytes += piece.length;
      this.skipped.tail = Buffer.concat([this.skipped.tail, piece]).subarray(-EDGE_BYTES);
      return;
    }
    if (this.size + piece.length <= this.opts.maxMessageBytes) {
      this.chunks.push(piece);
      this.size += piece.length;
      return;
    }
    const soFar = Buffer.concat([...this.chunks, piece]);
    this.skipped = { bytes: soFar.length, head: soFar.subarray(0, EDGE_BYTES), tail: Buffer.from(soFar.subarray(-EDGE_BYTES)) };
    this.chunks = [];
    this.size = 0;
  }

  private endLine(): void {
    const skipped = this.skipped;
    if (skipped) {
      this.skipped = undefined;
      this.refuse(skipped);
      return;
    }
    const line = Buffer.concat(this.chunks, this.size).toString('utf8').replace(/\r$/, '');
    this.chunks = [];
    this.size = 0;
    if (line.trim() === '') return;
    let message: JSONRPCMessage;
    try {
      message = deserializeMessage(line);
    } catch (e) {
      this.onerror?.(
        new Error(
          `a line of ${line.length} characters on stdin is not a JSON-RPC message (${e instanceof Error ? e.message.slice(0, 200) : String(e)}); ignored`,
        ),
      );
      return;
    }
    this.onmessage?.(message);
  }

  private refuse(s: Skipped): void {
    const max = this.opts.maxMessageBytes;
    const id = requestIdAtEdges(s.head.toString('utf8'), s.tail.toString('utf8'));
    this.onerror?.(
      new Error(
        `a message of ${s.bytes} bytes on stdin is over the limit of ${max} bytes; ${id === undefined ? 'it has no request id to answer, so it was dropped' : `request ${JSON.stringify(id)} was answered with an error`}`,
      ),
    );
    if (id === undefined) return;
    void this.send({
      jsonrpc: '2.0',
      id,
      error: {
        code: ErrorCode.InvalidRequest,
        message:
          `INVALID_INPUT: The request is ${s.bytes} bytes; this server reads requests of up to ${max} bytes (base64 images up to ` +
          'TWINSEG_MAX_IMAGE_BYTES). Pass a large image as a file path inside the allowed roots instead of base64, or downscale it.',
      },
    });
  }
}
