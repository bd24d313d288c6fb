import { describe, expect, it } from 'vitest';
import { rleArea, rleBbox } from '../../src/mask/rle.js';
import { containmentParents, groupsOfSeparateObjects, mergeNearDuplicates, type MaskItem } from '../../src/twin/hierarchy.js';
import { discBits, rectBits, toRle } from './scene-fixture.js';

const W = 100;
const H = 100;
function item(bits: Uint8Array, score = 0.9): MaskItem {
  const rle = toRle(bits, W, H);
  return { rle, area: rleArea(rle), bbox: rleBbox(rle), score };
}

describe('mergeNearDuplicates', () => {
  it('keeps the better-scored of two masks with IoU ≥ 0.88 and both of a pair below', () => {
    const a = item(rectBits(W, H, [10, 10, 60, 60]), 0.8);
    const b = item(rectBits(W, H, [10, 10, 60, 57]), 0.9); // IoU 0.94
    const c = item(rectBits(W, H, [10, 10, 60, 45]), 0.95); // IoU with a 0.7
    expect(mergeNearDuplicates([a, b, c]).sort()).toEqual([1, 2]);
  });

  it('drops empty masks', () => {
    expect(mergeNearDuplicates([item(new Uint8Array(W * H))])).toEqual([]);
  });
});

describe('containmentParents', () => {
  it('makes the smallest clear container the parent, giving a three-level tree', () => {
    const table = item(rectBits(W, H, [0, 0, 100, 80]));
    const plate = item(discBits(W, H, 40, 40, 25));
    const cookie = item(discBits(W, H, 40, 40, 8));
    const lamp = item(rectBits(W, H, [80, 85, 95, 100])); // outside the table
    expect(containmentParents([table, plate, cookie, lamp])).toEqual([-1, 0, 1, -1]);
  });

  it('does not nest a mask in one of nearly its own size, nor one that sticks out', () => {
    const big = item(rectBits(W, H, [0, 0, 50, 50])); // 2500
    const almost = item(rectBits(W, H, [0, 0, 50, 42])); // 2100 > 0.8·2500
    const straddling = item(rectBits(W, H, [40, 10, 60, 20])); // half outside
    const inside90 = item(rectBits(W, H, [0, 0, 10, 20])); // fully inside
    expect(containmentParents([big, almost, straddling, inside90])).toEqual([-1, -1, -1, 1]);
  });
});

describe('containmentParents with granularities of one prompt', () => {
  // A rider whose arm sticks out of the horse-and-rider mask: 70% inside, short of the 90% rule.
  const whole = rectBits(W, H, [10, 10, 70, 90]);
  const part = rectBits(W, H, [50, 20, 80, 40]); // 600 px, 400 inside the whole
  it('nests a finer granularity under the coarser one of the same prompt on 60% containment', () => {
    const family = { points: [{ x: 60, y: 30, label: 1 }] };
    const items = [
      { ...item(whole), family, granularity: 3 },
      { ...item(part), family, granularity: 1 },
    ];
    expect(containmentParents(items)).toEqual([-1, 0]);
  });

  it('keeps the 90% rule between masks of different prompts, or in the wrong order of granularity', () => {
    expect(
      containmentParents([
        { ...item(whole), family: 'a', granularity: 3 },
        { ...item(part), family: 'b', granularity: 1 },
      ]),
    ).toEqual([-1, -1]);
    expect(
      containmentParents([
        { ...item(whole), family: 'a', granularity: 1 },
        { ...item(part), family: 'a', granularity: 2 },
      ]),
    ).toEqual([-1, -1]);
  });
});

describe('groupsOfSeparateObjects', () => {
  const or = (...bits: Uint8Array[]) => bits.reduce((a, b) => a.map((v, i) => v | b[i]!));

  it('finds a mask that is two separate objects taken together, and nothing else', () => {
    const car = rectBits(W, H, [5, 10, 45, 40]);
    const sign = discBits(W, H, 75, 70, 15);
    const group = item(or(car, sign));
    const items = [group, item(car), item(sign)];
    const parents = containmentParents(items);
    expect(parents).toEqual([-1, 0, 0]);
    expect([...groupsOfSeparateObjects(items, parents)]).toEqual([0]);
  });

  it('keeps a whole whose parts touch one another (a roof on a wall), and one whose pieces cover too little', () => {
    const wall = rectBits(W, H, [10, 40, 90, 95]);
    const roof = rectBits(W, H, [10, 20, 90, 40]);
    const house = [item(or(wall, roof)), item(wall), item(roof)];
    expect(groupsOfSeparateObjects(house, containmentParents(house)).size).toBe(0);
    // One thing split in two by what stands in front of it: pieces apart, but of one colour.
    const left = rectBits(W, H, [5, 10, 40, 90]);
    const right = rectBits(W, H, [60, 10, 95, 90]);
    const split = [
      { ...item(or(left, right)), colour: 'brown' },
      { ...item(left), colour: 'brown' },
      { ...item(right), colour: 'brown' },
    ];
    expect(groupsOfSeparateObjects(split, containmentParents(split)).size).toBe(0);
    expect(
      groupsOfSeparateObjects(
        split.map((x, i) => (i === 2 ? { ...x, colour: 'red' } : x)),
        containmentParents(split),
      ).size,
    ).toBe(1);
    // Two separate specks in a big mask are its parts, not what it is made of.
    const big = rectBits(W, H, [0, 0, 100, 100]);
    const sparse = [item(big), item(rectBits(W, H, [5, 5, 25, 25])), item(rectBits(W, H, [70, 70, 90, 90]))];
    expect(groupsOfSeparateObjects(sparse, containmentParents(sparse)).size).toBe(0);
  });
});

describe('groupsOfSeparateObjects beyond direct children', () => {
  const or = (...bits: Uint8Array[]) => bits.reduce((a, b) => a.map((v, i) => v | b[i]!));
  const coloured = (bits: Uint8Array, colour: string): MaskItem => ({ ...item(bits), colour });

  it('finds a group whose piece has a smaller merge as its tightest container', () => {
    const left = rectBits(W, H, [5, 5, 30, 30]);
    const right = rectBits(W, H, [60, 5, 85, 30]);
    const star = rectBits(W, H, [85, 5, 95, 30]); // touches the right crate
    const items = [
      coloured(or(left, right), 'brown'),
      coloured(or(right, star), 'red'),
      coloured(left, 'brown'),
      coloured(right, 'red'),
      coloured(star, 'orange'),
    ];
    const parents = containmentParents(items);
    expect(parents[3]).toBe(1); // the right crate sits in the smaller merge, not in the group of two crates
    // The touching merge of crate and star stays (pieces that touch may be a whole and its part).
    expect([...groupsOfSeparateObjects(items, parents)]).toEqual([0]);
  });

  it('counts an object the group cuts through towards what it covers', () => {
    const car = rectBits(W, H, [5, 5, 35, 35]);
    const sign = rectBits(W, H, [60, 60, 80, 80]);
    const star = rectBits(W, H, [40, 5, 70, 35]);
    const halfStar = rectBits(W, H, [40, 5, 55, 35]);
    const items = [coloured(or(car, sign, halfStar), 'black'), coloured(car, 'black'), coloured(star, 'red'), coloured(sign, 'yellow')];
    expect([...groupsOfSeparateObjects(items, containmentParents(items))]).toEqual([0]);
    // Without the star it covers too little of the group to call it only other objects.
    const without = items.filter((_, i) => i !== 2);
    expect(groupsOfSeparateObjects(without, containmentParents(without)).size).toBe(0);
  });
});

describe('groupsOfSeparateObjects for touching pieces', () => {
  const or = (...bits: Uint8Array[]) => bits.reduce((a, b) => a.map((v, i) => v | b[i]!));
  const coloured = (bits: Uint8Array, colour: string): MaskItem => ({ ...item(bits), colour });

  it('finds a ball and a crate that touch, by the concave gulf between them', () => {
    const ball = discBits(W, H, 30, 25, 14);
    const crate = rectBits(W, H, [43, 20, 80, 85]);
    const items = [coloured(or(ball, crate), 'brown'), coloured(crate, 'brown'), coloured(ball, 'pink')];
    expect([...groupsOfSeparateObjects(items, containmentParents(items))]).toEqual([0]);
    // Of one colour it may be one thing seen in two pieces: kept.
    const same = items.map((x) => ({ ...x, colour: 'brown' }));
    expect(groupsOfSeparateObjects(same, containmentParents(same)).size).toBe(0);
    // Without the touching rule (SAM's dense grid) the merge stays too.
    expect(groupsOfSeparateObjects(items, containmentParents(items), { touching: false }).size).toBe(0);
  });

  it('keeps a whole whose parts fit together: a roof wider than its wall, a window in a car body', () => {
    const wall = rectBits(W, H, [15, 45, 85, 95]);
    const roof = rectBits(W, H, [10, 25, 90, 45]);
    const house = [coloured(or(wall, roof), 'orange'), coloured(wall, 'orange'), coloured(roof, 'blue')];
    expect(groupsOfSeparateObjects(house, containmentParents(house)).size).toBe(0);
    const body = rectBits(W, H, [10, 40, 90, 80]);
    const cabin = rectBits(W, H, [20, 25, 80, 40]);
    const car = [coloured(or(body, cabin), 'red'), coloured(body, 'red'), coloured(cabin, 'black')];
    expect(groupsOfSeparateObjects(car, containmentParents(car)).size).toBe(0);
  });
});
