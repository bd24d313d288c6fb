// The allowed roots of one MCP session: the client's roots when it offers them, else the configured
// ones. Refreshed on `initialized` and on `notifications/roots/list_changed`.
import { fileURLToPath } from 'node:url';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { RootsListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { realRoots } from './path-policy.js';
import { errorMessage } from '../errors.js';

/** How long to wait for a client's roots/list answer before falling back to the configured roots. */
const LIST_ROOTS_TIMEOUT_MS = 5_000;

export interface RootsSource {
  /** Real paths of the directories this session may read from and write to. */
  current(): Promise<string[]>;
}

/** Fixed roots, for the CLI and for tests. */
export function fixedRoots(roots: readonly string[]): RootsSource {
  const real = realRoots(roots);
  return { current: () => real };
}

/** File-system paths of the client's file:// roots; other schemes are ignored. */
export function rootUrisToPaths(uris: readonly string[]): string[] {
  const out: string[] = [];
  for (const uri of uris) {
    if (!/^file:/i.test(uri)) continue;
    try {
      out.push(fileURLToPath(uri));
    } catch {
      // A malformed root URI grants nothing.
    }
  }
  return out;
}

export function sessionRoots(server: Server, configured: readonly string[], log: (msg: string) => void): RootsSource {
  const fallback = realRoots(configured);
  let active: Promise<string[]> = fallback;

  const refresh = () => {
    if (!server.getClientCapabilities()?.roots) return;
    active = server
      .listRoots(undefined, { timeout: LIST_ROOTS_TIMEOUT_MS })
      .then(async ({ roots }) => {
        const real = await realRoots(rootUrisToPaths(roots.map((r) => r.uri)));
        // An empty list means the client has no opinion; keep the operator's configuration.
        if (real.length === 0) return fallback;
        log(`twinseg: using the client's roots: ${real.join(', ')}`);
        return real;
      })
      .catch((e: unknown) => {
        log(`twinseg: roots/list failed (${errorMessage(e)}); using configured roots`);
        return fallback;
      });
  };

  const previous = server.oninitialized;
  server.oninitialized = () => {
    previous?.();
    refresh();
  };
  server.setNotificationHandler(RootsListChangedNotificationSchema, () => refresh());
  return { current: () => active };
}
