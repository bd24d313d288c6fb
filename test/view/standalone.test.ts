// The view outside a chat: Chromium opens the link `twinseg view` prints, the page plays the host over
// MCP on HTTP with the token from the link's fragment, and a person inspects and refines a twin there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Frame, Page } from 'playwright-core';
import { startHttpServer, type HttpHandle } from '../../src/server/http.js';
import { chromiumMissing, launchChromium, type Browser } from '../helpers/chromium.js';
import { SCENE_W, startSceneServer, type SceneServer } from '../helpers/view-scene-server.js';

const missing = chromiumMissing();
if (missing) console.warn(`Skipping the standalone view's browser tests: ${missing}`);

const TOKEN = 'standalone-view-token-0123456789';
let server: SceneServer;
let http: HttpHandle;
let browser: Browser;
let twinId: string;

beforeAll(async () => {
  if (missing) return;
  server = await startSceneServer();
  // Stuff regions off: what the view is checked on is the drawn scene's own objects (ids, counts, a window added by a click).
  const built = await server.call('build_digital_twin', { image: server.photo, preset: 'fast', options: { stuff: false } });
  twinId = (built.structuredContent as { twin_id: string }).twin_id;
  http = await startHttpServer(server.app, {
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    allowedOrigins: [],
    maxBodyBytes: 1 << 20,
    view: { twin_id: twinId, trace: [{ line: 1, image: server.photo, twin_id: twinId, ids: [2, 3], op: 'union' }] },
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await http?.close();
  await server?.close();
});

async function openPage(hash: string): Promise<{ page: Page; view: Frame; cspReports: string[] }> {
  const page = await browser.context.newPage();
  const cspReports: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspReports.push(m.text());
  });
  await page.goto(`${http.viewUrl}#${hash}`);
  await expect.poll(() => page.frames().some((f) => f.url().endsWith('/view/twin-view.html')), { timeout: 20_000 }).toBe(true);
  const view = page.frames().find((f) => f.url().endsWith('/view/twin-view.html'))!;
  await view.waitForSelector('#picture polygon');
  return { page, view, cspReports };
}

async function clickAt(view: Frame, x: number, y: number): Promise<void> {
  const box = (await view.locator('#picture').boundingBox())!;
  const scale = box.width / SCENE_W;
  await view.locator('#picture').click({ position: { x: (x + 0.5) * scale, y: (y + 0.5) * scale } });
}

describe.skipIf(missing)('the standalone view in Chromium', () => {
  it('opens on the twin it was given, and a click in point mode refines it through /mcp', async () => {
    const { page, view, cspReports } = await openPage(`token=${TOKEN}`);
    expect(await view.textContent('#twin-id')).toBe(`Twin ${twinId}`);
    expect(await view.locator('#picture polygon').count()).toBe(3);
    // The picker offers the trace's choice.
    expect(await page.locator('#pick option').allTextContents()).toContainEqual(
      expect.stringMatching(`trace line 1: union of 2, 3 in ${twinId}`),
    );

    await view.click('[data-mode="points"]');
    await clickAt(view, 100, 120);
    await expect.poll(() => view.textContent('#twin-id'), { timeout: 20_000 }).not.toBe(`Twin ${twinId}`);
    const revision = (await view.textContent('#twin-id'))!.replace('Twin ', '');
    // The revision is real: the server made it, from the click.
    const made = await server.app.twins.get(revision);
    expect(made.revision).toMatchObject({ parent: twinId, change: 'added object 4' });
    // Playwright places a click inside the page's bordered iframe to within a pixel of the asked position.
    const [click] = made.objects.find((o) => o.id === 4)!.prompts!.at(-1)!.prompt.points!;
    expect(click!.label).toBe(1);
    expect(Math.abs(click!.x - 100)).toBeLessThanOrEqual(1);
    expect(Math.abs(click!.y - 120)).toBeLessThanOrEqual(1);
    expect(cspReports).toEqual([]);
    await page.close();
  });

  it('collects what the view would tell the model, to copy into a conversation', async () => {
    const { page, view } = await openPage(`token=${TOKEN}`);
    await clickAt(view, 370, 160);
    await view.click('#send');
    await expect
      .poll(() => page.locator('#messages li').allTextContents(), { timeout: 20_000 })
      .toContainEqual(expect.stringContaining(`Message: In the twin view I picked object 2 (whole) of twin ${twinId}.`));
    expect(await page.locator('#outbox').isVisible()).toBe(true);
    await page.close();
  });

  it('without the token, asks for it and reaches nothing', async () => {
    const page = await browser.context.newPage();
    await page.goto(http.viewUrl!);
    await expect.poll(() => page.locator('#token-form').isVisible(), { timeout: 20_000 }).toBe(true);
    expect(page.frames()).toHaveLength(1);
    await page.close();
  });
});
