import { describe, expect, it } from 'vitest';
import { rleBbox, rleUnion, type Rle } from '../../src/mask/rle.js';
import type { Prompt } from '../../src/perception/contract.js';
import { buildTwin } from '../../src/twin/build-twin.js';
import { adviseMissedClicks, boxLeavingOut } from '../../src/twin/click-advice.js';
import { standardScene } from './scene-fixture.js';

// standardScene (200×100): 1 rectangle [10,10,90,60) holding 4, a window [20,20,40,40); 2 a disc at
// (150,50) r 30; 3 a post [90,10,100,60) beside the rectangle; 5 a tag.
const { scene, proposals } = standardScene();
const twin = buildTwin(scene.image(), proposals, { model: 'fake', params: {}, id: 'tw_00000000000adf1c' });
const mask = (id: number): Rle => twin.masks.get(id)!;

/** Advice for a new object 9 whose mask is `rle`. */
function advise(rle: Rle, prompt: Prompt, alternatives: { alternative: number; rle: Rle }[] = []) {
  return adviseMissedClicks(twin, { objectId: 9, rle, bbox: rleBbox(rle), prompt, alternatives });
}

describe('next steps for clicks a mask ignores', () => {
  it('points a left-out positive click to the alternative that contains it, else to a box that takes it in', () => {
    const [m] = advise(
      mask(4),
      {
        points: [
          { x: 25, y: 25, label: 1 },
          { x: 60, y: 30, label: 1 },
        ],
      },
      [{ alternative: 3, rle: mask(1) }],
    );
    expect(m).toMatchObject({ x: 60, y: 30, label: 1 });
    expect(m!.next).toBe(
      'positive click (60, 30) lies outside the mask: take alternative 3, which contains it: {"object": 9, "alternative": 3}; ' +
        'or refine with a box that takes it in: {"object": 9, "box": [20, 20, 61, 40]}',
    );
  });

  it('offers the union with an object that covers a left-out positive click, never one that holds the whole mask', () => {
    const [m] = advise(mask(1), {
      points: [
        { x: 50, y: 30, label: 1 },
        { x: 95, y: 30, label: 1 },
      ],
    });
    expect(m!.next).toMatch(
      /^positive click \(95, 30\) lies outside the mask: add object 3, which covers it: get_mask \{"ids": \[9, 3\]\}; or refine/,
    );
    // The rectangle holds all of the window: no use as a piece to add to it.
    const [w] = advise(mask(4), {
      points: [
        { x: 25, y: 25, label: 1 },
        { x: 60, y: 30, label: 1 },
      ],
    });
    expect(w!.next).not.toMatch(/add object 1/);
  });

  it('cuts out the object under a covered negative click, or suggests a box that leaves it out', () => {
    const [m] = advise(mask(1), {
      points: [
        { x: 60, y: 30, label: 1 },
        { x: 25, y: 25, label: 0 },
      ],
    });
    expect(m).toMatchObject({ x: 25, y: 25, label: 0 });
    expect(m!.next).toBe(
      'negative click (25, 25) lies inside the mask: cut out object 4, which covers it: get_mask {"ids": [9], "exclude": [4]}; ' +
        'or refine with a box that leaves it out: {"object": 9, "box": [26, 10, 90, 60]}',
    );
  });

  it('never suggests cutting out an object that is most of the mask', () => {
    // The mask is the rectangle and the post; the negative click lies on the rectangle, 4000 of its 4500 px.
    const [m] = advise(rleUnion(mask(1), mask(3)), {
      points: [
        { x: 95, y: 30, label: 1 },
        { x: 60, y: 50, label: 0 },
      ],
    });
    expect(m!.next).not.toMatch(/cut out/);
  });

  it('prefers an alternative that leaves the negative out and keeps the positives in', () => {
    const [m] = advise(
      mask(1),
      {
        points: [
          { x: 25, y: 25, label: 1 },
          { x: 60, y: 30, label: 0 },
        ],
      },
      [
        { alternative: 2, rle: mask(3) },
        { alternative: 1, rle: mask(4) },
      ],
    );
    expect(m!.next).toMatch(/take alternative 1, which leaves it out: \{"object": 9, "alternative": 1\}/);
  });

  it('asks for more negative clicks when nothing simpler leaves a click deep inside out', () => {
    const [m] = advise(mask(2), {
      points: [
        { x: 150, y: 50, label: 0 },
        { x: 140, y: 40, label: 1 },
      ],
    });
    expect(m!.next).toMatch(/refine with more negative clicks on other spots of what should go: \{"object": 9, "points"/);
  });

  it('says nothing about clicks the mask honours', () => {
    expect(
      advise(mask(1), {
        points: [
          { x: 50, y: 30, label: 1 },
          { x: 150, y: 50, label: 0 },
        ],
      }),
    ).toEqual([]);
    expect(advise(mask(1), { box: [10, 10, 90, 60] })).toEqual([]);
  });
});

describe('a box that leaves a point out', () => {
  it('moves the side that cuts least, keeping the positive clicks inside', () => {
    expect(boxLeavingOut([0, 0, 100, 50], 90, 10, [])).toEqual([0, 0, 90, 50]);
    expect(boxLeavingOut([0, 0, 100, 50], 90, 10, [{ x: 95, y: 30, label: 1 }])).toEqual([0, 11, 100, 50]);
  });

  it('gives up when every cut drops half of the box or more', () => {
    expect(boxLeavingOut([0, 0, 100, 100], 50, 50, [])).toBeUndefined();
  });
});
