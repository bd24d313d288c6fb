// The Triton client against a KServe v2 server on loopback that runs real models through onnxruntime:
// what comes back must be exactly what in-process onnxruntime returns, and every failure a clear TwinsegError.
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession } from '../../../../src/perception/backends/ort-sessions.js';
import type { ModelSession, PlainTensor } from '../../../../src/perception/backends/model-session.js';
import { createTritonSession, DYNAMIC_DIM } from '../../../../src/perception/backends/triton/triton-sessions.js';
import { caught } from '../../../helpers/caught.js';
import { startKserveServer, type KserveServer } from '../../../helpers/kserve-server.js';
import { encodeModel, tinyIdentity } from '../../../helpers/tiny-onnx.js';

/** y = 2x (float), m = n + 1 (int64), both with a free batch axis. */
function tinyTwoTypes(): Uint8Array {
  return encodeModel({
    inputs: [
      { name: 'x', elem: 'float', shape: ['batch', 3] },
      { name: 'n', elem: 'int64', shape: ['batch'] },
    ],
    outputs: [
      { name: 'y', elem: 'float', shape: ['batch', 3] },
      { name: 'm', elem: 'int64', shape: ['batch'] },
    ],
    initializers: [
      { name: 'two', dims: [], float: [2] },
      { name: 'one', dims: [], int64: [1] },
    ],
    nodes: [
      { op: 'Mul', inputs: ['x', 'two'], outputs: ['y'] },
      { op: 'Add', inputs: ['n', 'one'], outputs: ['m'] },
    ],
  });
}

// Floats that JSON must carry exactly too (no NaN, infinities or -0, which JSON cannot).
const feeds = (): Record<string, PlainTensor> => ({
  x: { data: new Float32Array([0.1, -2.5, 3e-8, 7, 1 / 3, 1e30]), dims: [2, 3] },
  n: { data: new BigInt64Array([41n, 2n ** 40n]), dims: [2] },
});

function expectSameTensors(got: Record<string, PlainTensor>, want: Record<string, PlainTensor>): void {
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  for (const [name, w] of Object.entries(want)) {
    expect(got[name].dims, name).toEqual(w.dims);
    expect(got[name].data.constructor, name).toBe(w.data.constructor);
    // Byte for byte: the transport may not round a single float.
    expect(
      Buffer.from(got[name].data.buffer, got[name].data.byteOffset, got[name].data.byteLength).equals(
        Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength),
      ),
      name,
    ).toBe(true);
  }
}

const inferRequests = (server: KserveServer) => server.requests.filter((r) => r.path.endsWith('/infer'));

let tiny: ModelSession;
let identity: ModelSession;
beforeAll(async () => {
  tiny = (await createSession(tinyTwoTypes(), { providers: ['cpu'], threads: 1 })).session;
  identity = (await createSession(tinyIdentity(), { providers: ['cpu'], threads: 1 })).session;
});
afterAll(async () => {
  await tiny?.release();
  await identity?.release();
});

describe('Triton session on a tiny model', () => {
  let server: KserveServer;
  beforeAll(async () => {
    server = await startKserveServer({ models: { tiny: { session: tiny } } });
  });
  afterAll(() => server?.stop());

  it('declares the inputs and outputs the server lists, free dimensions as symbolic', async () => {
    const s = await createTritonSession(server.url, 'tiny');
    expect(s.encoding).toBe('binary');
    expect(s.inputs).toEqual([
      { name: 'x', type: 'float32', shape: [DYNAMIC_DIM, 3] },
      { name: 'n', type: 'int64', shape: [DYNAMIC_DIM] },
    ]);
    expect(s.outputs.map((o) => `${o.name}:${o.type}`)).toEqual(['y:float32', 'm:int64']);
  });

  it('returns byte for byte what in-process onnxruntime returns, sending binary tensors', async () => {
    const s = await createTritonSession(server.url, 'tiny');
    expectSameTensors(await s.run(feeds()), await tiny.run(feeds()));
    const sent = inferRequests(server).at(-1)!;
    expect(sent.headers['content-type']).toBe('application/octet-stream');
    expect(sent.headers['accept-encoding']).toBe('identity');
    expect(sent.json?.inputs.map((i) => [i.name, i.datatype, i.shape, i.parameters?.binary_data_size, i.data])).toEqual([
      ['x', 'FP32', [2, 3], 24, undefined],
      ['n', 'INT64', [2], 16, undefined],
    ]);
    expect(sent.json?.parameters).toEqual({ binary_data_output: true });
  });

  it('carries NaN, infinities and -0 exactly in binary tensors', async () => {
    const s = await createTritonSession(server.url, 'tiny');
    const special = { ...feeds(), x: { data: new Float32Array([NaN, Infinity, -Infinity, -0, 1e-45, -3.4e38]), dims: [2, 3] } };
    expectSameTensors(await s.run(special), await tiny.run(special));
  });

  it('asks for only the fetched outputs, each as binary', async () => {
    const s = await createTritonSession(server.url, 'tiny');
    const out = await s.run(feeds(), ['m']);
    expect(Object.keys(out)).toEqual(['m']);
    expect(Array.from(out.m.data as BigInt64Array)).toEqual([42n, 2n ** 40n + 1n]);
    expect(inferRequests(server).at(-1)?.json?.outputs).toEqual([{ name: 'm', parameters: { binary_data: true } }]);
  });

  it('names the model version in every path when one is asked for', async () => {
    const s = await createTritonSession(server.url, 'tiny', { version: '1' });
    await s.run(feeds());
    expect(inferRequests(server).at(-1)?.path).toBe('/v2/models/tiny/versions/1/infer');
    const err = await caught(createTritonSession(server.url, 'tiny', { version: '7' }));
    expect(err.code).toBe('MODEL_NOT_FOUND');
    expect(err.message).toMatch(/version 7/);
  });

  it('checks the feeds against the declared inputs before anything is sent', async () => {
    const s = await createTritonSession(server.url, 'tiny');
    const before = inferRequests(server).length;
    const wrongType = { ...feeds(), x: { data: new Int32Array(6), dims: [2, 3] } };
    expect((await caught(s.run(wrongType))).message).toMatch(/input x is FP32, but twinseg fed int32 values/);
    const wrongShape = { ...feeds(), x: { data: new Float32Array(8), dims: [2, 4] } };
    expect((await caught(s.run(wrongShape))).message).toMatch(/input x has shape \[-1,3\], but twinseg fed \[2,4\]/);
    expect((await caught(s.run({ x: feeds().x }))).message).toMatch(/no value fed for input n/);
    expect((await caught(s.run({ ...feeds(), z: feeds().x }))).message).toMatch(/it has no input z/);
    const unknownFetch = await caught(s.run(feeds(), ['nope']));
    expect(unknownFetch.code).toBe('MODEL_INCOMPATIBLE');
    expect(unknownFetch.message).toMatch(/it has no output nope/);
    expect(inferRequests(server).length).toBe(before);
  });

  it('accepts a model that declares what is expected, and refuses one that does not, listing the differences', async () => {
    const declared = await createTritonSession(server.url, 'tiny');
    await createTritonSession(server.url, 'tiny', { expect: { inputs: tiny.inputs, outputs: tiny.outputs } });
    expect(declared.inputs.length).toBe(2);
    const err = await caught(
      createTritonSession(server.url, 'tiny', {
        expect: {
          inputs: [
            { name: 'x', type: 'float32', shape: ['batch', 4] },
            { name: 'point_coords', type: 'float32', shape: [1, 'n', 2] },
          ],
        },
      }),
    );
    expect(err.code).toBe('MODEL_INCOMPATIBLE');
    expect(err.message).toMatch(/input x is float32\[dynamic,3\], expected float32\[batch,4\]; no input point_coords/);
    expect(err.hint).toMatch(/twinseg triton-repo/);
  });
});

describe('Triton session on a server without the binary extension', () => {
  let server: KserveServer;
  beforeAll(async () => {
    server = await startKserveServer({ models: { tiny: { session: tiny } }, binaryExtension: false });
  });
  afterAll(() => server?.stop());

  it('falls back to JSON tensors and still returns exactly what onnxruntime returns', async () => {
    const s = await createTritonSession(server.url, 'tiny');
    expect(s.encoding).toBe('json');
    expectSameTensors(await s.run(feeds()), await tiny.run(feeds()));
    const sent = inferRequests(server).at(-1)!;
    expect(sent.headers['inference-header-content-length']).toBeUndefined();
    expect(sent.json?.inputs[1].data).toEqual([41, 2 ** 40]);
  });

  it("reports the server's own refusal when binary tensors are forced on it", async () => {
    const s = await createTritonSession(server.url, 'tiny', { encoding: 'binary' });
    const err = await caught(s.run(feeds()));
    expect(err.code).toBe('MODEL_INCOMPATIBLE');
    expect(err.message).toMatch(/HTTP 400\): binary tensor data is not supported/);
  });
});

describe('Triton session errors', () => {
  it('says an unreachable server cannot be reached, with the URL and how to start one', async () => {
    const gone = await startKserveServer({ models: {} });
    await gone.stop();
    const err = await caught(createTritonSession(gone.url, 'tiny'));
    expect(err.code).toBe('PROVIDER_UNAVAILABLE');
    expect(err.message).toContain(`Cannot reach Triton at ${gone.url}`);
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect(err.hint).toMatch(/port 8000/);
  });

  it('says a web server that is not KServe v2 does not look like one', async () => {
    const web = http.createServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<html>nothing here</html>');
    });
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    try {
      const err = await caught(createTritonSession(`http://127.0.0.1:${(web.address() as AddressInfo).port}`, 'tiny'));
      expect(err.code).toBe('PROVIDER_UNAVAILABLE');
      expect(err.message).toMatch(/HTTP 404 to \/v2\/health\/live .*does not look like a KServe v2 server/);
    } finally {
      await new Promise((resolve) => web.close(resolve));
    }
  });

  describe('behind a connection that the other side closes as the request arrives', () => {
    // A TCP front for the KServe server that resets the connection carrying each of the first `resets` inference
    // requests (as a server closing a kept-alive connection at that moment does) and passes everything else on.
    async function resettingFront(upstream: KserveServer, resets: number) {
      let left = resets;
      const front = net.createServer((socket) => {
        const up = net.connect(upstream.port, '127.0.0.1');
        up.pipe(socket);
        up.on('error', () => socket.destroy());
        socket.on('error', () => up.destroy());
        socket.on('close', () => up.destroy());
        socket.on('data', (chunk) => {
          if (left > 0 && /^POST \S+\/infer /.test(chunk.toString('latin1', 0, 200))) {
            left--;
            socket.resetAndDestroy();
            return;
          }
          up.write(chunk);
        });
      });
      await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
      return {
        url: `http://127.0.0.1:${(front.address() as AddressInfo).port}`,
        resetsLeft: () => left,
        close: () => new Promise<void>((resolve) => front.close(() => resolve())),
      };
    }
    let server: KserveServer;
    beforeAll(async () => {
      server = await startKserveServer({ models: { tiny: { session: tiny } } });
    });
    afterAll(() => server?.stop());

    it('sends the request again, once, on a new connection', async () => {
      const front = await resettingFront(server, 1);
      try {
        const s = await createTritonSession(front.url, 'tiny');
        const before = inferRequests(server).length;
        expectSameTensors(await s.run(feeds()), await tiny.run(feeds()));
        expect(front.resetsLeft()).toBe(0);
        expect(inferRequests(server).length - before).toBe(1);
        await s.release();
      } finally {
        await front.close();
      }
    });

    it('says the server cannot be reached when the new connection is closed too', async () => {
      const front = await resettingFront(server, 2);
      try {
        const s = await createTritonSession(front.url, 'tiny');
        const err = await caught(s.run(feeds()));
        expect(err.code).toBe('PROVIDER_UNAVAILABLE');
        expect(err.message).toMatch(/Cannot reach Triton at .* \(POST \/v2\/models\/tiny\/infer: (ECONNRESET|UND_ERR_SOCKET|EPIPE)\)/);
        expect(front.resetsLeft()).toBe(0);
        await s.release();
      } finally {
        await front.close();
      }
    });
  });

  it('refuses a URL that is not http(s)', async () => {
    expect((await caught(createTritonSession('grpc://127.0.0.1:8001', 'tiny'))).code).toBe('INVALID_INPUT');
  });

  describe('on a running server', () => {
    let server: KserveServer;
    beforeAll(async () => {
      server = await startKserveServer({
        models: {
          tiny: { session: tiny },
          broken: { session: identity, ready: false, reason: 'load failed: CUDA driver version is insufficient' },
          // Metadata laxer than the graph: the client's checks pass, and onnxruntime on the server refuses.
          lax: {
            session: identity,
            metadata: {
              inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, -1] }],
              outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, -1] }],
            },
          },
        },
      });
    });
    afterAll(() => server?.stop());

    it('says a model the repository lacks is not found, and lists what it has', async () => {
      const err = await caught(createTritonSession(server.url, 'sam-decoder'));
      expect(err.code).toBe('MODEL_NOT_FOUND');
      expect(err.message).toMatch(/model "sam-decoder" on Triton at .* is not ready \(HTTP 400: Request for unknown model/);
      expect(err.message).toMatch(/does not list it; it has tiny, broken, lax/);
      expect(err.hint).toMatch(/TWINSEG_TRITON_ENCODER/);
    });

    it("gives the repository's reason for a model that failed to load", async () => {
      const err = await caught(createTritonSession(server.url, 'broken'));
      expect(err.code).toBe('MODEL_NOT_FOUND');
      expect(err.message).toMatch(/lists it as UNAVAILABLE \(load failed: CUDA driver version is insufficient\)/);
      expect(err.message).toMatch(/server itself is not ready either/);
    });

    it("passes on the server's error text when it refuses an inference", async () => {
      const s = await createTritonSession(server.url, 'lax');
      const err = await caught(s.run({ x: { data: new Float32Array(6), dims: [2, 3] } }));
      expect(err.code).toBe('MODEL_INCOMPATIBLE');
      expect(err.message).toMatch(/Triton refused the request \(HTTP 400\): .*dimensions/i);
    });
  });

  it("calls a server failure (HTTP 5xx) unavailable, with the server's text", async () => {
    const server = await startKserveServer({
      models: { tiny: { session: tiny } },
      failInfer: { status: 500, error: 'onnx runtime error 6: CUDA out of memory' },
    });
    try {
      const s = await createTritonSession(server.url, 'tiny');
      const err = await caught(s.run(feeds()));
      expect(err.code).toBe('PROVIDER_UNAVAILABLE');
      expect(err.message).toMatch(/\(HTTP 500\): onnx runtime error 6: CUDA out of memory/);
    } finally {
      await server.stop();
    }
  });

  it('says a server that is not live is not live', async () => {
    const server = await startKserveServer({ models: { tiny: { session: tiny } }, live: false });
    try {
      const err = await caught(createTritonSession(server.url, 'tiny'));
      expect(err.code).toBe('PROVIDER_UNAVAILABLE');
      expect(err.message).toMatch(/is not live \(HTTP 503/);
    } finally {
      await server.stop();
    }
  });

  describe('on a server that never answers an inference', () => {
    let server: KserveServer;
    beforeAll(async () => {
      server = await startKserveServer({ models: { tiny: { session: tiny } }, hangInfer: true });
    });
    afterAll(() => server?.stop());

    const inferArrived = async (count: number) => {
      while (inferRequests(server).length < count) await new Promise((r) => setTimeout(r, 5));
    };

    it('gives up after the timeout and says so', async () => {
      const s = await createTritonSession(server.url, 'tiny', { timeoutMs: 1000 });
      const err = await caught(s.run(feeds()));
      expect(err.code).toBe('PROVIDER_UNAVAILABLE');
      expect(err.message).toMatch(/did not answer POST \/v2\/models\/tiny\/infer within 1000 ms/);
      expect(err.hint).toMatch(/TWINSEG_TRITON_TIMEOUT_MS/);
    });

    it('stops waiting when the caller cancels', async () => {
      const ac = new AbortController();
      const s = await createTritonSession(server.url, 'tiny', { signal: ac.signal });
      const running = caught(s.run(feeds()));
      await inferArrived(inferRequests(server).length + 1);
      ac.abort();
      expect((await running).code).toBe('CANCELLED');
    });

    it('ends runs still in flight when the session is released', async () => {
      const s = await createTritonSession(server.url, 'tiny');
      const running = caught(s.run(feeds()));
      await inferArrived(inferRequests(server).length + 1);
      await s.release();
      const err = await running;
      expect(err.code).toBe('CANCELLED');
      expect(err.message).toMatch(/session released/);
    });
  });
});
