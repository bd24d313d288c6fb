// The twin view with the real model, for docs/view.png and the view's figures: a drawn scene built by
// SAM (balanced), the view opened in Chromium by the test host (test/helpers/view-host.ts), a hover, a
// point-mode click that adds an object, and the time each step took. Prints the figures; writes
// docs/view.png. Run: npm run bench:view (needs Debian's chromium).
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import sharp from 'sharp';
import { expect, it } from 'vitest';
import { createAppContext } from '../src/app-context.js';
import { loadConfig } from '../src/config.js';
import { drawScene } from '../src/scenes/scene.js';
import { createServer } from '../src/server/server.js';
import { viewPage } from '../src/tools/twin-view.js';
import { chromiumMissing, launchChromium } from '../test/helpers/chromium.js';
import { openView } from '../test/helpers/view-host.js';
import { MCP_APPS_CAPABILITIES } from '../test/helpers/view-scene-server.js';

const SCENE = { seed: 12, width: 800, height: 520 };
const SHOT = path.resolve('docs/view.png');

it('the twin view with the real model', async () => {
  const missing = chromiumMissing();
  if (missing) throw new Error(missing);
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'twinseg-view-bench-'));
  const photo = path.join(work, 'scene.png');
  await fs.writeFile(photo, (await drawScene(SCENE)).picture.data);
  // TWINSEG_HOME, when set, keeps the four-token decoder between runs.
  const config = loadConfig({
    TWINSEG_HOME: process.env.TWINSEG_HOME ?? path.join(work, 'home'),
    TWINSEG_ROOTS: work,
    TWINSEG_PROVIDERS: 'cpu',
  });
  const app = await createAppContext(config, { log: () => undefined });
  const server = createServer(app);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'twinseg-view-bench', version: '1.0.0' }, { capabilities: MCP_APPS_CAPABILITIES });
  await client.connect(clientSide);
  const browser = await launchChromium();
  const figures: [string, string][] = [
    ['view page (ui://twinseg/twin-view)', `${(Buffer.byteLength(await viewPage('twin-view')) / 1024).toFixed(1)} KB`],
  ];
  try {
    const args = { image: photo, preset: 'balanced' };
    let t = performance.now();
    const result = (await client.callTool({ name: 'build_digital_twin', arguments: args })) as CallToolResult;
    figures.push([
      `build_digital_twin (balanced${(result.structuredContent as { cached?: boolean }).cached ? ', cached' : ''})`,
      `${((performance.now() - t) / 1000).toFixed(1)} s`,
    ]);
    const built = result.structuredContent as {
      twin_id: string;
      object_count: number;
      twin: { objects: { id: number; level: string; bbox: number[]; area_pct: number }[] };
    };
    figures.push(['objects', String(built.object_count)]);

    t = performance.now();
    const v = await openView(browser.context, client, { name: 'build_digital_twin', arguments: args, result });
    await v.frame.waitForSelector('#picture polygon');
    figures.push(['view opened: photo and outlines drawn', `${Math.round(performance.now() - t)} ms`]);

    const box = (await v.frame.locator('#picture').boundingBox())!;
    const scale = box.width / SCENE.width;
    const at = (x: number, y: number) => ({ x: (x + 0.5) * scale, y: (y + 0.5) * scale });
    // Point mode: a click on the middle of the smallest whole object refines or adds through segment.
    const wholes = built.twin.objects.filter((o) => o.level === 'whole').sort((a, b) => a.area_pct - b.area_pct);
    const target = wholes[Math.floor(wholes.length / 3)]!;
    const [x1, y1, x2, y2] = target.bbox as [number, number, number, number];
    await v.frame.click('[data-mode="points"]');
    t = performance.now();
    await v.frame.locator('#picture').click({ position: at(Math.round((x1 + x2) / 2), Math.round((y1 + y2) / 2)) });
    await expect.poll(() => v.frame.textContent('#twin-id'), { timeout: 120_000 }).not.toContain(built.twin_id);
    figures.push(['point click → segment → new revision drawn', `${Math.round(performance.now() - t)} ms`]);

    // Hover a mid-sized object other than the clicked one for the tooltip, then keep the picture.
    const hovered = wholes.filter((o) => o.id !== target.id && o.area_pct < 20).at(-1) ?? wholes.at(-1)!;
    const hb = hovered.bbox as [number, number, number, number];
    const p = at(Math.round((hb[0] + hb[2]) / 2), Math.round((hb[1] + hb[3]) / 2));
    await v.page.mouse.move(box.x + p.x, box.y + p.y);
    await v.frame.waitForSelector('#tip:not([hidden])');
    const png = await v.page.locator('#view').screenshot();
    await sharp(png).png({ palette: true, quality: 90, compressionLevel: 9 }).toFile(SHOT);
    figures.push(['docs/view.png', `${((await fs.stat(SHOT)).size / 1024).toFixed(0)} KB`]);
    expect(v.cspReports).toEqual([]);
    expect(v.blocked).toEqual([]);
    await v.close();
  } finally {
    await browser.close();
    await client.close();
    await server.close();
    await app.close();
    await fs.rm(work, { recursive: true, force: true });
  }
  console.log(`\nThe twin view, real model (${os.cpus().length} CPU cores, ${os.cpus()[0]?.model ?? 'unknown CPU'})\n`);
  console.log('| step | figure |\n| --- | --- |');
  for (const [k, v] of figures) console.log(`| ${k} | ${v} |`);
});
