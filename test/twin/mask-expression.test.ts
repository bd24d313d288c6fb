import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { decodeCocoRle } from '../../src/mask/coco-rle.js';
import { rleArea, rleContains } from '../../src/mask/rle.js';
import { buildTwin } from '../../src/twin/build-twin.js';
import { describeExpression, expressionMask, keepExpression, normalExpression } from '../../src/twin/mask-expression.js';
import { createTwinService } from '../../src/twin/twin-service.js';
import { scenePng, scriptedSegmenter } from '../helpers/recording-twin-service.js';
import { standardScene } from './scene-fixture.js';
import { fileSource } from '../../src/perception/image-input.js';

// standardScene: 1 rectangle [10,10,90,60) (4000 px) holding 4, a window [20,20,40,40) (400 px); 2 a disc;
// 3 a post [90,10,100,60) (500 px) beside the rectangle; 5 a tag.
const { scene, proposals } = standardScene();
const twin = buildTwin(scene.image(), proposals, { model: 'fake', params: {}, id: 'tw_00000000000e1e01' });

describe('mask expressions on a twin', () => {
  it('combines ids by op and takes the excluded objects away', () => {
    const m = expressionMask(twin, { ids: [1, 3], op: 'union', exclude: [4] });
    expect(rleArea(m)).toBe(4000 + 500 - 400);
    expect(rleContains(m, 25, 25)).toBe(false); // in the window
    expect(rleContains(m, 95, 30)).toBe(true); // on the post
    // An excluded object outside the result changes nothing.
    expect(rleArea(expressionMask(twin, { ids: [1], op: 'union', exclude: [5] }))).toBe(4000);
    // op applies to ids first: the intersection of the rectangle and the window, minus the window, is empty.
    expect(rleArea(expressionMask(twin, { ids: [1, 4], op: 'intersection', exclude: [4] }))).toBe(0);
  });

  it('names an unknown id among the excluded ones, with the ids the twin has', () => {
    expect(() => expressionMask(twin, { ids: [1], op: 'union', exclude: [4, 42] })).toThrow(
      expect.objectContaining({ code: 'OBJECT_NOT_FOUND', message: expect.stringMatching(/42/), hint: expect.stringMatching(/1–5/) }),
    );
  });

  it('spells an empty exclude the way no exclude is spelt, and says the expression in words', () => {
    expect(normalExpression({ ids: [1], op: 'union', exclude: [] })).toEqual({ ids: [1], op: 'union' });
    expect(describeExpression({ ids: [1, 6], op: 'union', exclude: [70] })).toBe('the union of 1, 6 minus 70');
    expect(describeExpression({ ids: [3], op: 'union' })).toBe('object 3');
  });

  it('keeps the result as the next id in a draft, scored as its least sure object, leaving the twin alone', () => {
    const kept = keepExpression(twin, scene.image(), { ids: [1, 3], op: 'union', exclude: [4] });
    expect(kept.object).toMatchObject({ id: 6, area: 4100, origin: 'user', bbox: [10, 10, 100, 60] });
    const used = twin.objects.filter((o) => o.id === 1 || o.id === 3);
    expect(kept.object.scores.predictedIou).toBe(Math.min(...used.map((o) => o.scores.predictedIou)));
    expect(rleArea(kept.draft!.masks.get(6)!)).toBe(4100);
    expect(kept.summary).toBe('kept the union of 1, 3 minus 4 as object 6');
    expect(twin.objects).toHaveLength(5);
    expect(twin.masks.has(6)).toBe(false);
  });

  it('answers with the existing object when one has exactly that mask', () => {
    const kept = keepExpression(twin, scene.image(), { ids: [2], op: 'union', exclude: [] });
    expect(kept.draft).toBeUndefined();
    expect(kept.object.id).toBe(2);
  });

  it('refuses to keep an expression with no pixels', () => {
    expect(() => keepExpression(twin, scene.image(), { ids: [4], op: 'union', exclude: [1] })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringMatching(/no pixels/) }),
    );
  });
});

describe('a kept expression in the twin service', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'twinseg-keep-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('is a revision whose object has the mask, readable after a restart, and the same revision when asked again', async () => {
    const photo = path.join(home, 'scene.png');
    writeFileSync(photo, await scenePng());
    const config = loadConfig({ TWINSEG_HOME: home });
    const segmenter = scriptedSegmenter({});
    const service = await createTwinService(config, { segmenter, log: () => undefined });
    const { twin: built } = await service.build({ image: fileSource(photo) });
    // The scene: 1 a block [1,1,8,9) with its part 3 [2,2,5,5), 2 a block [12,2,19,8).
    const expression = { ids: [1, 2], op: 'union' as const, exclude: [3] };
    const asked = await service.mask({ twinId: built.id, ...expression, format: 'rle' });
    const kept = await service.keepMask({ twinId: built.id, ...expression });
    expect(kept).toMatchObject({ reused: false, object: { id: 4, area: 56 + 42 - 9 } });
    expect(kept.twin.revision).toMatchObject({ parent: built.id, change: 'kept the union of 1, 2 minus 3 as object 4' });
    expect((await service.keepMask({ twinId: built.id, ...expression })).twin.id).toBe(kept.twin.id);
    await service.close();

    const restarted = await createTwinService(config, { segmenter, log: () => undefined });
    const read = await restarted.mask({ twinId: kept.twin.id, ids: [4], op: 'union', format: 'rle' });
    expect(read.area).toBe(asked.area);
    expect(Array.from(decodeCocoRle(read.rle!).counts)).toEqual(Array.from(decodeCocoRle(asked.rle!).counts));
    await restarted.close();
  });
});
