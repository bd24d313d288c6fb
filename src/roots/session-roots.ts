// The allowed roots of one MCP session. A client that offers MCP roots is asked for them on the first
// call that needs them, and again after `notifications/roots/list_changed`. The request goes out while
// that call is being answered (on its stream, over HTTP), because that is when a client is sure to be
// listening: a client's event stream may not be open yet when `initialized` arrives.
//
// What the client's roots do depends on who set the server's:
// - narrow: the client's roots only ever narrow the server's (TWINSEG_ROOTS, or over HTTP the defaults
//   too): a client root inside a server root is kept, a client root around one gives that server root,
//   anything else gives nothing. A client declaring "/" gets the server's roots, not the disk.
// - replace (stdio without TWINSEG_ROOTS): the client's roots replace the defaults, as the person who
//   started the server for this one client meant.
import { fileURLToPath } from 'node:url';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { RootsListChangedNotificationSchema, type RequestId } from '@modelcontextprotocol/sdk/types.js';
import { isInside, realRoots } from './path-policy.js';
import { errorMessage } from '../errors.js';

/** How long to wait for a client's roots/list answer before falling back to the configured roots. */
const LIST_ROOTS_TIMEOUT_MS = 5_000;

export type ClientRootsMode = 'narrow' | 'replace';

/** The request being answered, so that a roots/list can travel with it. */
export interface DuringRequest {
  requestId: RequestId;
}

export interface RootsSource {
  /** Real paths of the directories this session may read from and write to. */
  current(during?: DuringRequest): Promise<string[]>;
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

/** The part of the server's roots the client's roots cover (real paths both). Never more than `server`. */
export function narrowRoots(client: readonly string[], server: readonly string[]): string[] {
  const out: string[] = [];
  for (const c of client) {
    for (const s of server) {
      const kept = isInside(s, c) ? c : isInside(c, s) ? s : undefined;
      if (kept !== undefined && !out.includes(kept)) out.push(kept);
    }
  }
  return out;
}

export interface SessionRootsOptions {
  configured: readonly string[];
  mode: ClientRootsMode;
  log: (msg: string) => void;
}

export function sessionRoots(server: Server, opts: SessionRootsOptions): RootsSource {
  const fallback = realRoots(opts.configured);
  let asked: Promise<string[]> | undefined;

  const ask = async (during?: DuringRequest): Promise<string[]> => {
    try {
      const { roots } = await server.listRoots(undefined, {
        timeout: LIST_ROOTS_TIMEOUT_MS,
        ...(during ? { relatedRequestId: during.requestId } : {}),
      });
      const real = await realRoots(rootUrisToPaths(roots.map((r) => r.uri)));
      // An empty list means the client has no opinion; keep the operator's configuration.
      if (real.length === 0) return fallback;
      if (opts.mode === 'replace') {
        opts.log(`twinseg: using the client's roots: ${real.join(', ')}`);
        return real;
      }
      const narrowed = narrowRoots(real, await fallback);
      opts.log(
        narrowed.length > 0
          ? `twinseg: the client's roots narrow the server's to: ${narrowed.join(', ')}`
          : `twinseg: the client's roots (${real.join(', ')}) lie outside the server's (${(await fallback).join(', ')}); this session may read and write nothing`,
      );
      return narrowed;
    } catch (e) {
      opts.log(`twinseg: roots/list failed (${errorMessage(e)}); using configured roots`);
      return fallback;
    }
  };

  server.setNotificationHandler(RootsListChangedNotificationSchema, () => {
    asked = undefined;
  });
  return {
    current: (during) => {
      if (!server.getClientCapabilities()?.roots) return fallback;
      asked ??= ask(during);
      return asked;
    },
  };
}
