import { describe, expect, it } from 'vitest';
import { TwinsegError } from '../../../../src/errors.js';
import { decodeInferResponse, encodeInferRequest, HEADER_LENGTH } from '../../../../src/perception/backends/triton/kserve-codec.js';

const bad = (why: string) => new TwinsegError('PROVIDER_UNAVAILABLE', why);
const utf8 = (s: string) => new TextEncoder().encode(s);
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};
const le = (values: number[], ctor: Float32ArrayConstructor | Int32ArrayConstructor) => new Uint8Array(new ctor(values).buffer);

describe('encodeInferRequest', () => {
  const x = { name: 'x', datatype: 'FP32', tensor: { data: new Float32Array([1.5, -2, 3.25]), dims: [1, 3] } };
  const n = { name: 'n', datatype: 'INT64', tensor: { data: new BigInt64Array([7n, -1n]), dims: [2] } };

  it("puts the JSON header first, then each tensor's little-endian bytes in input order, and says where the JSON ends", () => {
    const { body, headers } = encodeInferRequest([x, n], ['y'], true);
    const jsonLength = Number(headers[HEADER_LENGTH]);
    expect(headers['content-type']).toBe('application/octet-stream');
    const header = JSON.parse(new TextDecoder().decode(body.subarray(0, jsonLength)));
    expect(header).toEqual({
      inputs: [
        { name: 'x', shape: [1, 3], datatype: 'FP32', parameters: { binary_data_size: 12 } },
        { name: 'n', shape: [2], datatype: 'INT64', parameters: { binary_data_size: 16 } },
      ],
      outputs: [{ name: 'y', parameters: { binary_data: true } }],
    });
    expect(body.length).toBe(jsonLength + 12 + 16);
    const view = new DataView(body.buffer, body.byteOffset);
    expect([0, 1, 2].map((i) => view.getFloat32(jsonLength + 4 * i, true))).toEqual([1.5, -2, 3.25]);
    expect(view.getBigInt64(jsonLength + 12, true)).toBe(7n);
    expect(view.getBigInt64(jsonLength + 20, true)).toBe(-1n);
  });

  it('asks for every output as binary when no outputs are named', () => {
    const { body, headers } = encodeInferRequest([x], undefined, true);
    const header = JSON.parse(new TextDecoder().decode(body.subarray(0, Number(headers[HEADER_LENGTH]))));
    expect(header.outputs).toBeUndefined();
    expect(header.parameters).toEqual({ binary_data_output: true });
  });

  it('sends a tensor view as its own bytes, not its whole underlying buffer', () => {
    const backing = new Float32Array([9, 9, 1, 2, 9]);
    const view = { name: 'v', datatype: 'FP32', tensor: { data: backing.subarray(2, 4), dims: [2] } };
    const { body, headers } = encodeInferRequest([view], undefined, true);
    const at = Number(headers[HEADER_LENGTH]);
    expect(body.length).toBe(at + 8);
    expect(Array.from(new Float32Array(body.slice(at).buffer))).toEqual([1, 2]);
  });

  it('writes plain JSON data arrays without the binary extension', () => {
    const { body, headers } = encodeInferRequest([x, n], ['y'], false);
    expect(headers[HEADER_LENGTH]).toBeUndefined();
    expect(headers['content-type']).toBe('application/json');
    expect(JSON.parse(new TextDecoder().decode(body))).toEqual({
      inputs: [
        { name: 'x', shape: [1, 3], datatype: 'FP32', data: [1.5, -2, 3.25] },
        { name: 'n', shape: [2], datatype: 'INT64', data: [7, -1] },
      ],
      outputs: [{ name: 'y', parameters: { binary_data: false } }],
    });
  });

  it('refuses values JSON numbers cannot carry: an int64 past 2^53, NaN, infinities', () => {
    const big = { name: 'n', datatype: 'INT64', tensor: { data: new BigInt64Array([2n ** 60n]), dims: [1] } };
    expect(() => encodeInferRequest([big], undefined, false)).toThrow(/cannot carry exactly/);
    const nan = { name: 'x', datatype: 'FP32', tensor: { data: new Float32Array([1, NaN]), dims: [2] } };
    expect(() => encodeInferRequest([nan], undefined, false)).toThrow(/NaN or an infinity/);
    expect(encodeInferRequest([nan], undefined, true).body.length).toBeGreaterThan(8);
  });
});

describe('decodeInferResponse', () => {
  it('reads binary outputs in order after a JSON header of odd length, into aligned arrays', () => {
    let text = JSON.stringify({
      model_name: 'm',
      outputs: [
        { name: 'a', datatype: 'FP32', shape: [2], parameters: { binary_data_size: 8 } },
        { name: 'b', datatype: 'INT32', shape: [1, 1], parameters: { binary_data_size: 4 } },
      ],
    });
    while (text.length % 4 !== 1) text += ' '; // the tensors then start at an offset no float may sit at
    const json = utf8(text);
    const out = decodeInferResponse(concat(json, le([0.5, -7], Float32Array), le([42], Int32Array)), json.length, bad);
    expect(out.map((o) => o.name)).toEqual(['a', 'b']);
    expect(out[0].data).toBeInstanceOf(Float32Array);
    expect(Array.from(out[0].data as Float32Array)).toEqual([0.5, -7]);
    expect(out[1].dims).toEqual([1, 1]);
    expect(Array.from(out[1].data as Int32Array)).toEqual([42]);
  });

  it('reads JSON outputs, nested or flat, including BOOL and INT64, and mixes them with binary ones', () => {
    const json = utf8(
      JSON.stringify({
        outputs: [
          {
            name: 'flags',
            datatype: 'BOOL',
            shape: [2, 2],
            data: [
              [true, false],
              [false, true],
            ],
          },
          { name: 'ids', datatype: 'INT64', shape: [2], data: [3, -4] },
          { name: 'f', datatype: 'FP32', shape: [1], parameters: { binary_data_size: 4 } },
        ],
      }),
    );
    const out = decodeInferResponse(concat(json, le([2.5], Float32Array)), json.length, bad);
    expect(Array.from(out[0].data as Uint8Array)).toEqual([1, 0, 0, 1]);
    expect(Array.from(out[1].data as BigInt64Array)).toEqual([3n, -4n]);
    expect(Array.from(out[2].data as Float32Array)).toEqual([2.5]);
  });

  it('takes the whole body as JSON when there is no header length', () => {
    const body = utf8(JSON.stringify({ outputs: [{ name: 'y', datatype: 'FP32', shape: [3], data: [1, 2, 3] }] }));
    expect(Array.from(decodeInferResponse(body, undefined, bad)[0].data as Float32Array)).toEqual([1, 2, 3]);
  });

  it('calls a reply malformed when sizes, lengths or fields do not add up', () => {
    const reply = (outputs: unknown[], tail = new Uint8Array(0)) => {
      const json = utf8(JSON.stringify({ outputs }));
      return () => decodeInferResponse(concat(json, tail), json.length, bad);
    };
    expect(reply([{ name: 'a', datatype: 'FP32', shape: [2], parameters: { binary_data_size: 4 } }], new Uint8Array(4))).toThrow(/needs 8/);
    expect(reply([{ name: 'a', datatype: 'FP32', shape: [2], parameters: { binary_data_size: 8 } }], new Uint8Array(4))).toThrow(
      /ends before/,
    );
    expect(reply([{ name: 'a', datatype: 'FP32', shape: [3], data: [1, 2] }])).toThrow(/2 values for shape \[3\]/);
    expect(reply([{ name: 'a', shape: [1], data: [1] }])).toThrow(/lacks its name, datatype or shape/);
    expect(reply([{ name: 'a', datatype: 'FP32', shape: [2], data: [1, null] }])).toThrow(/not numbers/);
    expect(() => decodeInferResponse(utf8('{"outputs": []}'), 99, bad)).toThrow(/does not fit/);
    expect(() => decodeInferResponse(utf8('<html>'), undefined, bad)).toThrow(/does not parse/);
  });

  it('says which output has a datatype twinseg cannot read', () => {
    const json = utf8(JSON.stringify({ outputs: [{ name: 'half', datatype: 'FP16', shape: [1], parameters: { binary_data_size: 2 } }] }));
    let err: unknown;
    try {
      decodeInferResponse(concat(json, new Uint8Array(2)), json.length, bad);
    } catch (e) {
      err = e;
    }
    expect((err as TwinsegError).code).toBe('MODEL_INCOMPATIBLE');
    expect((err as TwinsegError).message).toMatch(/half is FP16/);
  });
});
