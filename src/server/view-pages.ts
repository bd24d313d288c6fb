// The twin view outside a chat, served beside /mcp by the HTTP transport:
//   GET /view                 the page that plays the host around the view (src/view/standalone)
//   GET /view/twin-view.html  the view itself, the same page hosts read as ui://twinseg/twin-view
//   GET /view/session.json    what `twinseg view` was asked to show: a twin id, a trace's choices
// The two pages are the same static HTML for everyone and hold nothing of the user's, so a browser
// opens them by URL (a navigation cannot carry an Authorization header). The session file and every
// MCP call the page makes to /mcp need the bearer token, which the page takes from the URL's fragment.
// Origin is checked on every request, as for /mcp.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bearerMatches, originAllowed } from './http-guards.js';
import { viewPage } from '../tools/twin-view.js';
import type { ViewSession } from './view-session.js';

export const VIEW_PATH = '/view';

/** The spec's CSP for a view that declares no domains: what a chat host would apply. */
const VIEW_CSP =
  "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "media-src 'self' data:; connect-src 'none'; frame-src 'none'; object-src 'none'; base-uri 'self'";

/** The standalone page talks to /mcp and frames the view, from this origin only. */
const PAGE_CSP =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'; " +
  "frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const COMMON_HEADERS = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'cache-control': 'no-store' };

export function isViewPath(pathname: string): boolean {
  return pathname === VIEW_PATH || pathname.startsWith(`${VIEW_PATH}/`);
}

function send(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, ...COMMON_HEADERS, ...headers });
  res.end(body);
}

const refuse = (res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}) =>
  send(res, status, 'application/json', JSON.stringify({ error: message }), headers);

export interface ViewGuards {
  token: string;
  allowedOrigins: readonly string[];
}

/** Answers a request under /view. */
export async function answerViewRequest(
  req: IncomingMessage,
  res: ServerResponse,
  session: ViewSession,
  guards: ViewGuards,
): Promise<void> {
  if (!originAllowed(req.headers.origin, guards.allowedOrigins)) {
    return refuse(res, 403, `Origin ${req.headers.origin} is not allowed. Add it to TWINSEG_ALLOWED_ORIGINS to permit it.`);
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'The view answers GET only.', { allow: 'GET, HEAD' });
  const { pathname } = new URL(req.url ?? '/', 'http://localhost');
  switch (pathname) {
    case VIEW_PATH:
    case `${VIEW_PATH}/`:
      return send(res, 200, 'text/html; charset=utf-8', await viewPage('standalone'), { 'content-security-policy': PAGE_CSP });
    case `${VIEW_PATH}/twin-view.html`:
      return send(res, 200, 'text/html; charset=utf-8', await viewPage('twin-view'), { 'content-security-policy': VIEW_CSP });
    case `${VIEW_PATH}/session.json`:
      if (!bearerMatches(req.headers.authorization, guards.token)) {
        return refuse(res, 401, 'Missing or wrong bearer token. Send "Authorization: Bearer <token>" (TWINSEG_TOKEN).', {
          'www-authenticate': 'Bearer realm="twinseg"',
        });
      }
      return send(res, 200, 'application/json', JSON.stringify(session));
    default:
      return refuse(res, 404, `Not found; the view is at ${VIEW_PATH}.`);
  }
}
