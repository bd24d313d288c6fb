import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BoundedStdioTransport, requestIdAtEdges } from '../../src/server/stdio-transport.js';
import { tempDir } from '../helpers/mcp-harness.js';

const MiB = 1024 * 1024;

describe('requestIdAtEdges', () => {
  it("finds a request's id where clients write it, first or last, and nowhere nested", () => {
    expect(requestIdAtEdges('{"jsonrpc":"2.0","id":7,"method":"x","params":{"a":"', '')).toBe(7);
    expect(requestIdAtEdges('{"id":"abc","method"', '')).toBe('abc');
    expect(requestIdAtEdges('{"method":"tools/call","params":{', 'aaaa"}},"jsonrpc":"2.0","id":42}')).toBe(42);
    expect(requestIdAtEdges('{"method":"tools/call","params":{"id":5,', 'aaa","id":9}}}')).toBeUndefined();
    expect(requestIdAtEdges('{"method":"notifications/x","params":{"', 'aaa"}}')).toBeUndefined();
  });
});

describe('BoundedStdioTransport', () => {
  function wired(maxMessageBytes: number) {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const t = new BoundedStdioTransport({ maxMessageBytes, stdin, stdout });
    const got: JSONRPCMessage[] = [];
    const errors: string[] = [];
    const sent: unknown[] = [];
    t.onmessage = (m) => got.push(m);
    t.onerror = (e) => errors.push(e.message);
    stdout.on('data', (c: Buffer) =>
      sent.push(
        ...c
          .toString()
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as unknown),
      ),
    );
    return { t, stdin, got, errors, sent };
  }
  const request = (id: number, filler: number) =>
    JSON.stringify({ jsonrpc: '2.0', method: 'tools/call', params: { name: 'x', arguments: { a: 'a'.repeat(filler) } }, id });

  it('delivers messages split across chunks, answers one over the limit with an error, and reads on', async () => {
    const w = wired(1000);
    await w.t.start();
    const small = request(1, 100);
    w.stdin.write(small.slice(0, 30));
    w.stdin.write(`${small.slice(30)}\r\n${request(2, 5000).slice(0, 700)}`);
    w.stdin.write(`${request(2, 5000).slice(700)}\n${request(3, 10)}\n`);
    await new Promise((resolve) => setImmediate(resolve));
    expect(w.got.map((m) => (m as { id: number }).id)).toEqual([1, 3]);
    expect(w.sent).toEqual([
      {
        jsonrpc: '2.0',
        id: 2,
        error: {
          code: -32600,
          message: expect.stringMatching(/^INVALID_INPUT: The request is 5\d{3} bytes; this server reads requests of up to 1000 bytes/),
        },
      },
    ]);
    expect(w.errors).toEqual([expect.stringMatching(/over the limit of 1000 bytes; request 2 was answered with an error/)]);
  });

  it('logs a line that is not JSON-RPC and goes on', async () => {
    const w = wired(1000);
    await w.t.start();
    w.stdin.write('not json\n\n{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(w.got).toHaveLength(1);
    expect(w.errors).toEqual([expect.stringMatching(/is not a JSON-RPC message/)]);
  });
});

describe('twinseg serve on stdio', () => {
  let work: string;
  beforeAll(async () => {
    work = await tempDir('twinseg-stdio-');
  });
  afterAll(async () => fs.rm(work, { recursive: true, force: true }));

  it('reads a 12 MiB request, answers a 70 MiB one with an error naming the limit, and keeps serving', async () => {
    const child = spawn(process.execPath, [path.resolve('dist/cli.js'), 'serve'], {
      env: { ...process.env, TWINSEG_HOME: path.join(work, 'home'), TWINSEG_ROOTS: work },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const replies = new Map<
      number,
      { result?: { isError?: boolean; content?: { text: string }[]; tools?: unknown[] }; error?: { message: string } }
    >();
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      let nl;
      while ((nl = out.indexOf('\n')) >= 0) {
        const m = JSON.parse(out.slice(0, nl)) as { id?: number };
        if (typeof m.id === 'number') replies.set(m.id, m as never);
        out = out.slice(nl + 1);
      }
    });
    const reply = async (id: number) => {
      await expect.poll(() => replies.has(id), { timeout: 60_000, interval: 50 }).toBe(true);
      return replies.get(id)!;
    };
    const send = (m: object) =>
      new Promise<void>((resolve) => (child.stdin.write(`${JSON.stringify(m)}\n`) ? resolve() : child.stdin.once('drain', resolve)));
    try {
      await send({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      });
      await reply(1);
      await send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      // 12 MiB: past the SDK's own 10 MiB buffer, within this server's limit (a 50 MiB image as base64).
      const mid = { name: 'get_mask', arguments: { twin_id: 'tw_0000000000000000', ids: [1], output_path: 'x'.repeat(12 * MiB) } };
      await send({ jsonrpc: '2.0', method: 'tools/call', params: mid, id: 2 });
      expect((await reply(2)).result?.isError).toBe(true);
      expect((await reply(2)).result?.content?.[0]?.text).toMatch(/^INVALID_INPUT: .*output_path/);
      const huge = { name: 'build_digital_twin', arguments: { image: 'A'.repeat(70 * MiB) } };
      await send({ jsonrpc: '2.0', method: 'tools/call', params: huge, id: 3 });
      expect((await reply(3)).error?.message).toMatch(
        /^INVALID_INPUT: The request is \d+ bytes; this server reads requests of up to 70\d{6} bytes/,
      );
      await send({ jsonrpc: '2.0', id: 4, method: 'tools/list' });
      expect((await reply(4)).result?.tools).toHaveLength(7);
      expect(child.exitCode).toBeNull();
      expect(stderr).toMatch(/twinseg: stdio: a message of \d+ bytes on stdin is over the limit of \d+ bytes; request 3 was answered/);
    } finally {
      child.stdin.end();
      await new Promise((resolve) => child.once('exit', resolve));
    }
    expect(stderr).toMatch(/twinseg: stopping: the client closed stdin/);
  });
});
