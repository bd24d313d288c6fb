// The twin view in a real browser: Debian's Chromium runs the built page in a sandboxed iframe under
// the MCP Apps default CSP, and a test host built on the SDK's AppBridge connects it to a real twinseg
// server (scripted SAM, so masks are known). What is checked is what a person sees and does: the
// picture's pixels, the tooltip, clicks that call `segment` through the host, alternatives, and the
// message a selection sends to the conversation.
import type { CallToolResult, JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, launchChromium, type Browser } from '../helpers/chromium.js';
import { openView, type ViewHost } from '../helpers/view-host.js';
import { SCENE_W, startSceneServer, type SceneServer } from '../helpers/view-scene-server.js';

const missing = chromiumMissing();
if (missing) console.warn(`Skipping the view's browser tests: ${missing}`);

let server: SceneServer;
let browser: Browser;
let view: ViewHost | undefined;
const build = { name: 'build_digital_twin', arguments: {} as Record<string, unknown>, result: {} as CallToolResult };

beforeAll(async () => {
  if (missing) return;
  server = await startSceneServer();
  // Stuff regions off: what the view is checked on is the drawn scene's own objects (ids, counts, a window added by a click).
  build.arguments = { image: server.photo, preset: 'fast', options: { stuff: false } };
  build.result = await server.call('build_digital_twin', build.arguments);
  browser = await launchChromium();
});

afterEach(async () => {
  await view?.close();
  view = undefined;
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const twinIdOf = (r: CallToolResult) => (r.structuredContent as { twin_id: string }).twin_id;

async function open(call = build): Promise<ViewHost> {
  view = await openView(browser.context, server.client, call);
  await view.frame.waitForSelector('#picture polygon');
  return view;
}

type Box = { x: number; y: number; width: number; height: number };

/** Where image pixel (x, y) is on the page, and the picture's scale, for the picture's box on the page. */
function placeOn(box: Box, x: number, y: number): { x: number; y: number; scale: number } {
  const scale = box.width / SCENE_W;
  return { x: box.x + (x + 0.5) * scale, y: box.y + (y + 0.5) * scale, scale };
}

/** Where image pixel (x, y) is on the page now, and the picture's scale. */
async function onPage(v: ViewHost, x: number, y: number): Promise<{ x: number; y: number; scale: number }> {
  return placeOn((await v.frame.locator('#picture').boundingBox())!, x, y);
}

const sameBox = (a: Box, b: Box) => a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;

/**
 * A screenshot of the page, read by image pixel: the colour on the page at image pixel (x, y). On a loaded
 * machine the picture may still settle its layout after the outlines appear (CI saw it), so the screenshot
 * is taken again until the picture's box is the same before and after it and as on the try before.
 */
async function screenshotPixels(v: ViewHost): Promise<(x: number, y: number) => [number, number, number]> {
  let last: Box | undefined;
  for (let attempt = 0; ; attempt++) {
    const before = (await v.frame.locator('#picture').boundingBox())!;
    const shot = await sharp(await v.page.screenshot())
      .raw()
      .toBuffer({ resolveWithObject: true });
    const after = (await v.frame.locator('#picture').boundingBox())!;
    const settled = sameBox(before, after) && last !== undefined && sameBox(before, last);
    last = after;
    if (!settled && attempt < 50) {
      await v.page.waitForTimeout(100);
      continue;
    }
    return (x, y) => {
      const p = placeOn(before, x, y);
      const i = (Math.round(p.y) * shot.info.width + Math.round(p.x)) * shot.info.channels;
      return [shot.data[i]!, shot.data[i + 1]!, shot.data[i + 2]!];
    };
  }
}

/** Polls screenshots until `colours` read what `ok` accepts (the photo may paint after the outlines appear). */
async function expectPainted(
  v: ViewHost,
  colours: (pixel: (x: number, y: number) => [number, number, number]) => [number, number, number][],
  ok: (seen: [number, number, number][]) => boolean,
): Promise<void> {
  // The colours are what the poll returns, so a failure prints the last ones seen.
  await expect
    .poll(async () => colours(await screenshotPixels(v)), { timeout: 20_000 })
    .toSatisfy((seen: [number, number, number][]) => ok(seen));
}

/** Clicks image pixel (x, y) of the picture, with modifiers. */
async function clickAt(v: ViewHost, x: number, y: number, modifiers: ('Shift' | 'Alt')[] = []): Promise<void> {
  const { scale } = await onPage(v, x, y);
  await v.frame.locator('#picture').click({ position: { x: (x + 0.5) * scale, y: (y + 0.5) * scale }, modifiers });
}

/** The outline of object `id` as drawn, as an image-pixel bounding box. */
async function drawnBox(v: ViewHost, id: number): Promise<[number, number, number, number]> {
  const points = (await v.frame.getAttribute(`polygon[data-id="${id}"]`, 'points'))!;
  const xy = points.split(' ').map((p) => p.split(',').map(Number) as [number, number]);
  return [
    Math.min(...xy.map((p) => p[0])),
    Math.min(...xy.map((p) => p[1])),
    Math.max(...xy.map((p) => p[0])),
    Math.max(...xy.map((p) => p[1])),
  ];
}

const segmentCalls = () =>
  server.sent
    .filter(
      (m): m is JSONRPCMessage & { method: string; params: { name: string; arguments: Record<string, unknown> } } =>
        'method' in m && m.method === 'tools/call',
    )
    .map((m) => ({ name: m.params.name, arguments: m.params.arguments }))
    .filter((p) => p.name === 'segment');

async function waitForTwin(v: ViewHost, not: string): Promise<string> {
  await expect.poll(() => v.frame.textContent('#twin-id'), { timeout: 20_000 }).not.toContain(not);
  return (await v.frame.textContent('#twin-id'))!.replace('Twin ', '');
}

function near(a: [number, number, number], b: [number, number, number], tolerance: number): boolean {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]) <= tolerance;
}

describe.skipIf(missing)('the twin view in Chromium, in a host built on the SDK', () => {
  it('draws the photo with every whole object outlined, with no request outside the page and no CSP report', async () => {
    const v = await open();
    expect(await v.frame.locator('#picture polygon').count()).toBe(3);
    expect(await v.frame.textContent('#twin-id')).toContain(twinIdOf(build.result));
    // The photo: the red table, the green disc and the white ground, where the scene drew them; and an
    // outline: along the table's right edge some pixel is neither the table's red nor the ground's white.
    await expectPainted(
      v,
      (pixel) => [pixel(200, 40), pixel(370, 160), pixel(300, 300), ...[257, 258, 259, 260, 261, 262].map((x) => pixel(x, 140))],
      ([table, disc, ground, ...edge]) =>
        near(table!, [200, 30, 30], 40) &&
        near(disc!, [20, 160, 20], 40) &&
        near(ground!, [255, 255, 255], 25) &&
        edge.some((c) => !near(c, [200, 30, 30], 60) && !near(c, [255, 255, 255], 60)),
    );
    expect(v.blocked).toEqual([]);
    expect(v.cspReports).toEqual([]);
  });

  it("in a host that relays no resource reads, draws the build reply's own marks picture, at host scale, over the whole image", async () => {
    view = await openView(browser.context, server.client, build, { relayResourceReads: false });
    const v = view;
    await v.frame.waitForSelector('#picture polygon');
    // The picture drawn is the reply's marks picture, at the host's size rather than the image's; the view
    // stretches it over the image's extent.
    const marks = (build.result.structuredContent as { marks: { width: number; height: number } }).marks;
    expect(marks.width).toBeGreaterThan(SCENE_W);
    const href = (await v.frame.getAttribute('#picture image', 'href'))!;
    const shown = await sharp(Buffer.from(href.slice(href.indexOf(',') + 1), 'base64')).metadata();
    expect([shown.width, shown.height]).toEqual([marks.width, marks.height]);
    // Where the scene drew them: the ground stays white (no mask there), the table red under its tint.
    await expectPainted(
      v,
      (pixel) => [pixel(300, 300), pixel(200, 40)],
      ([ground, [r, g, b]]) => near(ground!, [255, 255, 255], 25) && r - Math.max(g, b) > 60,
    );
  });

  it('hovering an object shows its id, level and size', async () => {
    const v = await open();
    // The picture may still settle its layout after the outlines appear (a loaded machine): point again, from
    // where it is now, until the pointer is over the object.
    await expect
      .poll(
        async () => {
          const p = await onPage(v, 370, 160);
          await v.page.mouse.move(p.x - 2, p.y);
          await v.page.mouse.move(p.x, p.y);
          return v.frame.isVisible('#tip');
        },
        { timeout: 30_000 },
      )
      .toBe(true);
    expect(await v.frame.textContent('#tip')).toMatch(/^#2 whole · [\d,]+ px \(\d+(\.\d+)?%\)$/);
    await v.page.mouse.move(1, 1);
    await v.frame.waitForSelector('#tip[hidden]', { state: 'attached' });
  });

  it('a click in point mode calls segment through the host and draws the new revision; an alternative and a negative click change the mask', async () => {
    const v = await open();
    const first = twinIdOf(build.result);
    const before = segmentCalls().length;
    await v.frame.click('[data-mode="points"]');
    await clickAt(v, 100, 120);
    const added = await waitForTwin(v, first);
    expect(segmentCalls().slice(before)).toEqual([
      { name: 'segment', arguments: { twin_id: first, points: [{ x: 100, y: 120, label: 1 }] } },
    ]);
    expect(await v.frame.textContent('#change')).toContain(`revision of ${first}: added object 4`);
    // The new object (the window) is drawn and is what further clicks refine.
    expect(await v.frame.getAttribute('polygon[data-id="4"]', 'class')).toContain('target');
    expect(await drawnBox(v, 4)).toEqual([60, 80, 140, 160]);
    expect(await v.frame.textContent('#target')).toContain('#4');

    // The reply's alternative: the whole table instead of the window.
    const alternative = v.frame.locator('#alternative-list button', { hasText: 'whole' });
    const token = Number(await alternative.getAttribute('data-alternative'));
    await alternative.click();
    const taken = await waitForTwin(v, added);
    expect(segmentCalls().at(-1)).toEqual({ name: 'segment', arguments: { twin_id: added, object: 4, alternative: token } });
    expect(await drawnBox(v, 4)).toEqual([0, 0, 260, 280]);

    // A Shift-click on the table outside the window is a negative point: back to the window alone.
    await clickAt(v, 200, 40, ['Shift']);
    await waitForTwin(v, taken);
    expect(segmentCalls().at(-1)).toEqual({
      name: 'segment',
      arguments: { twin_id: taken, object: 4, points: [{ x: 200, y: 40, label: 0 }] },
    });
    expect(await drawnBox(v, 4)).toEqual([60, 80, 140, 160]);
    expect(await v.frame.locator('.clicks circle').count()).toBe(2);
    expect(v.cspReports).toEqual([]);
  });

  it('opened on a segment reply, the level toggle shows the new part or the wholes', async () => {
    const args = { twin_id: twinIdOf(build.result), points: [{ x: 100, y: 120, label: 1 }] };
    const v = await open({ name: 'segment', arguments: args, result: await server.call('segment', args) });
    const ids = async () =>
      (await v.frame.locator('#picture polygon').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-id'))))).sort();
    expect(await v.frame.textContent('#change')).toContain('added object 4');
    expect(await ids()).toEqual([1, 2, 3, 4]); // the wholes, and object 4 because the reply is about it
    await v.frame.click('[data-mode="select"]');
    await clickAt(v, 370, 160); // choosing the disc: object 4 is no longer the one in focus
    expect(await ids()).toEqual([1, 2, 3]);
    await v.frame.click('[data-level="parts"]');
    expect(await ids()).toEqual([2, 3, 4]); // the finest objects: the part, and wholes without parts
  });

  it('selecting objects and sending them gives the host a message and a model context naming them', async () => {
    const v = await open();
    const twin = twinIdOf(build.result);
    await clickAt(v, 370, 160);
    await clickAt(v, 455, 100, ['Shift']);
    expect(await v.frame.locator('polygon.selected').count()).toBe(2);
    await v.frame.click('#send');
    await expect.poll(() => v.frame.textContent('#status'), { timeout: 20_000 }).toMatch(/^Sent/);
    expect(v.messages).toHaveLength(1);
    const message = v.messages[0]!;
    expect(message.role).toBe('user');
    const text = message.content[0]!.text!;
    expect(text).toContain(`object 2 (whole) and object 3 (whole) of twin ${twin}`);
    expect(text).toContain(`get_mask {"twin_id": "${twin}", "ids": [2, 3]}`);
    expect(v.contexts.at(-1)!.structuredContent).toMatchObject({ twin_id: twin, selected: [{ id: 2 }, { id: 3 }] });
  });

  it('opened on a get_mask reply, the view selects the objects of the mask', async () => {
    const args = { twin_id: twinIdOf(build.result), ids: [2, 3] };
    const v = await open({ name: 'get_mask', arguments: args, result: await server.call('get_mask', args) });
    const selected = await v.frame.locator('polygon.selected').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
    expect(selected.sort()).toEqual(['2', '3']);
    expect(await v.frame.textContent('#send')).toBe('Send #2, #3');
  });
});
