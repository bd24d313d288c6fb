// Hostile pictures through build_digital_twin on the real server wiring (drawn-twin-server: real twin
// service, store, marks and masks; a scripted predictor instead of SAM). Each is refused with a coded,
// actionable error, or built into a twin of the image's real size whose marks and masks render.
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDrawnServer, type DrawnServer } from '../helpers/drawn-twin-server.js';
import { errorCodeOf, errorTextProblems } from '../helpers/error-text.js';
import { animatedGif, bitFlipped, encoded, jpegClaiming, pngClaiming, reachingSvgs, solid, truncated } from '../helpers/hostile-images.js';
import { textOf } from '../helpers/mcp-harness.js';

const MAX_IMAGE_BYTES = 256 * 1024;
let s: DrawnServer;
/** Resource templates that take only a twin id (the twin's JSON, its marks picture), as the server lists them. */
let twinTemplates: string[];
let fetches: string[] = [];
let netServer: http.Server;
let base: string;

beforeAll(async () => {
  s = await startDrawnServer({ TWINSEG_MAX_IMAGE_BYTES: String(MAX_IMAGE_BYTES) });
  twinTemplates = (await s.client.listResourceTemplates()).resourceTemplates
    .map((t) => t.uriTemplate)
    .filter((t) => (t.match(/\{[^}]+\}/g) ?? []).join() === '{id}');
  netServer = http.createServer((req, res) => {
    fetches.push(req.url ?? '');
    res.end();
  });
  await new Promise<void>((resolve) => netServer.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(netServer.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => netServer?.close(resolve));
  await s?.close();
});

type Built = { twin_id: string; object_count: number; size?: { width: number; height: number } };

/** The first {width, height} in a result, wherever the tool's output shape keeps the image size. */
function imageSize(v: unknown): { width: number; height: number } | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o.width === 'number' && typeof o.height === 'number') return { width: o.width, height: o.height };
  for (const x of Object.values(o)) {
    const found = imageSize(x);
    if (found) return found;
  }
  return undefined;
}

async function build(image: string): Promise<CallToolResult> {
  return (await s.client.callTool({ name: 'build_digital_twin', arguments: { image, preset: 'fast' } }, undefined, {
    timeout: 60_000,
  })) as CallToolResult;
}

/** Builds from a file in the root and from base64; returns the error codes (or 'built'). */
async function tryBoth(name: string, bytes: Buffer): Promise<{ codes: string[]; built?: Built }> {
  await fs.writeFile(path.join(s.root, name), bytes);
  const codes: string[] = [];
  let built: Built | undefined;
  for (const image of [name, bytes.toString('base64')]) {
    const r = await build(image);
    if (r.isError) {
      const text = textOf(r);
      expect(errorTextProblems(text), `${name}: ${text}`).toEqual([]);
      codes.push(errorCodeOf(text)!);
      continue;
    }
    built = { ...(r.structuredContent as Built), size: imageSize((r.structuredContent as { twin?: unknown }).twin) };
    codes.push('built');
    // The twin is usable: every resource of it reads, a picture among them, and, if it has objects, a mask exports.
    const contents = [];
    for (const t of twinTemplates) contents.push(...(await s.client.readResource({ uri: t.replace('{id}', built.twin_id) })).contents);
    expect(
      contents.some((c) => c.mimeType?.startsWith('image/')),
      name,
    ).toBe(true);
    if (built.object_count > 0) {
      const mask = (await s.client.callTool({
        name: 'get_mask',
        arguments: { twin_id: built.twin_id, ids: [1], format: 'overlay' },
      })) as CallToolResult;
      expect(mask.isError, textOf(mask)).toBeFalsy();
    }
  }
  return { codes, built };
}

describe('build_digital_twin with hostile images', () => {
  it('refuses damaged JPEG, PNG and WebP files with IMAGE_UNREADABLE', async () => {
    for (const format of ['jpeg', 'png', 'webp'] as const) {
      const whole = await encoded(format);
      const { codes } = await tryBoth(`cut.${format}`, truncated(whole, 0.3));
      expect(codes, format).toEqual(['IMAGE_UNREADABLE', 'IMAGE_UNREADABLE']);
      for (const [i, bits] of [[17], [100, 101, 102], [8 * 40, 8 * 41 + 3]].entries()) {
        const { codes: flipped } = await tryBoth(`flip-${i}.${format}`, bitFlipped(whole, bits));
        for (const c of flipped) expect(['built', 'IMAGE_UNREADABLE', 'IMAGE_TOO_LARGE'], format).toContain(c);
      }
    }
  });

  it('refuses zero-size images and header bombs before decoding', async () => {
    expect((await tryBoth('zero.png', pngClaiming(await encoded('png', 2, 2), 0, 5))).codes).toEqual([
      'IMAGE_UNREADABLE',
      'IMAGE_UNREADABLE',
    ]);
    expect((await tryBoth('bomb.png', pngClaiming(await encoded('png', 2, 2), 65_535, 65_535))).codes).toEqual([
      'IMAGE_TOO_LARGE',
      'IMAGE_TOO_LARGE',
    ]);
    expect((await tryBoth('bomb.jpg', jpegClaiming(await encoded('jpeg', 8, 8), 65_535, 65_535))).codes).toEqual([
      'IMAGE_TOO_LARGE',
      'IMAGE_TOO_LARGE',
    ]);
  });

  it('builds one-pixel images and 1×100,000 strips at their real size', async () => {
    for (const [name, w, h] of [
      ['one.png', 1, 1],
      ['tall.png', 1, 100_000],
      ['wide.png', 100_000, 1],
    ] as const) {
      const { codes, built } = await tryBoth(name, await solid(w, h, { r: 200, g: 30, b: 30 }).png().toBuffer());
      expect(codes, name).toEqual(['built', 'built']);
      expect(built!.size, name).toEqual({ width: w, height: h });
    }
  });

  it('builds CMYK, 16-bit, palette and animated images', async () => {
    const red = { r: 200, g: 30, b: 30 };
    const images: [string, Buffer][] = [
      ['cmyk.jpg', await solid(40, 30, red).toColourspace('cmyk').jpeg().toBuffer()],
      ['deep.png', await solid(40, 30, red).toColourspace('rgb16').png().toBuffer()],
      ['palette.png', await solid(40, 30, red).png({ palette: true, colours: 4 }).toBuffer()],
      ['anim.gif', await animatedGif(['green', 'red'])],
    ];
    for (const [name, bytes] of images) expect((await tryBoth(name, bytes)).codes, name).toEqual(['built', 'built']);
  });

  it('refuses SVGs without fetching anything', async () => {
    fetches = [];
    for (const [name, svg] of Object.entries(reachingSvgs(base))) {
      expect((await tryBoth(`${name}.svg`, Buffer.from(svg))).codes, name).toEqual(['IMAGE_UNREADABLE', 'IMAGE_UNREADABLE']);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(fetches).toEqual([]);
  });

  it('refuses base64 over the byte limit before decoding, and a file over it', async () => {
    const big = Buffer.concat([await encoded('png'), Buffer.alloc(MAX_IMAGE_BYTES)]);
    const { codes } = await tryBoth('big.png', big);
    expect(codes).toEqual(['IMAGE_TOO_LARGE', 'IMAGE_TOO_LARGE']);
  });

  it('logged no unexpected failure and still builds the drawn photo', async () => {
    expect(s.logs.filter((l) => / failed: /.test(l))).toEqual([]);
    const r = await build('photo.png');
    expect(r.isError, textOf(r)).toBeFalsy();
  });
});
