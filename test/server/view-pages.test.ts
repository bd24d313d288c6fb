// The twin view served beside /mcp for a browser: the pages are static and open by URL, the session
// needs the bearer token, and Origin is checked on everything, as for /mcp.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppContext, type AppContext } from '../../src/app-context.js';
import { loadConfig } from '../../src/config.js';
import { startHttpServer, type HttpHandle } from '../../src/server/http.js';
import { viewPage } from '../../src/tools/twin-view.js';
import type { ViewSession } from '../../src/server/view-session.js';
import { RecordingTwinService } from '../helpers/recording-twin-service.js';
import { tempDir } from '../helpers/mcp-harness.js';

const TOKEN = 'view-pages-token-0123456789';
const SESSION: ViewSession = {
  twin_id: 'tw_0123456789abcdef',
  trace: [{ line: 2, image: '/p/a.jpg', twin_id: 'tw_0123456789abcdef', ids: [3], op: 'union' }],
};
let app: AppContext;
let withView: HttpHandle;
let without: HttpHandle;

beforeAll(async () => {
  const home = await tempDir('twinseg-view-pages-');
  app = await createAppContext(loadConfig({ TWINSEG_HOME: home, TWINSEG_ROOTS: home }), {
    twins: new RecordingTwinService(),
    log: () => undefined,
  });
  const opts = { host: '127.0.0.1', port: 0, token: TOKEN, allowedOrigins: ['https://allowed.example'], maxBodyBytes: 1 << 20 };
  withView = await startHttpServer(app, { ...opts, view: SESSION });
  without = await startHttpServer(app, opts);
});

afterAll(async () => {
  await withView?.close();
  await without?.close();
  await app?.close();
});

const get = (path: string, headers: Record<string, string> = {}, handle = withView) => fetch(new URL(path, handle.url), { headers });

describe('the view over HTTP', () => {
  it('serves the page that plays the host at /view, framing only its own origin and framed by nobody', async () => {
    expect(withView.viewUrl).toBe(withView.url.replace(/\/mcp$/, '/view'));
    const r = await get('/view');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    expect(r.headers.get('content-security-policy')).toMatch(/connect-src 'self'.*frame-src 'self'.*frame-ancestors 'none'/);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await r.text()).toBe(await viewPage('standalone'));
  });

  it('serves the view itself, the same page as ui://twinseg/twin-view, under the CSP a chat host would apply', async () => {
    const r = await get('/view/twin-view.html');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-security-policy')).toMatch(
      /^default-src 'none'; script-src 'self' 'unsafe-inline';.* connect-src 'none'/,
    );
    expect(await r.text()).toBe(await viewPage('twin-view'));
  });

  it('gives the session only for the bearer token', async () => {
    expect((await get('/view/session.json')).status).toBe(401);
    expect((await get('/view/session.json', { authorization: 'Bearer wrong' })).status).toBe(401);
    const r = await get('/view/session.json', { authorization: `Bearer ${TOKEN}` });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual(SESSION);
  });

  it('refuses a foreign Origin on every view path, and accepts a listed one', async () => {
    for (const path of ['/view', '/view/twin-view.html', '/view/session.json']) {
      expect((await get(path, { origin: 'https://evil.example', authorization: `Bearer ${TOKEN}` })).status, path).toBe(403);
    }
    expect((await get('/view', { origin: 'https://allowed.example' })).status).toBe(200);
  });

  it('answers GET only, and 404 for anything else under /view', async () => {
    const post = await fetch(new URL('/view', withView.url), { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect((await get('/view/../../etc/passwd')).status).toBe(404);
    expect((await get('/view/other.html')).status).toBe(404);
  });

  it('is not served unless asked for: /view stays a 404 like any path but /mcp', async () => {
    expect(without.viewUrl).toBeUndefined();
    const r = await get('/view', {}, without);
    expect(r.status).toBe(404);
    expect(await r.text()).toMatch(/the MCP endpoint is \/mcp/);
  });
});
