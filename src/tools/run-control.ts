// Bridges an MCP request to the twin layer's RunControl: the request's abort signal (the client's
// notifications/cancelled) and notifications/progress when the client asked for them.
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Progress, RunControl } from '../perception/contract.js';
import { errorMessage } from '../errors.js';

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export function runControlFor(extra: ToolExtra, log: (msg: string) => void): RunControl {
  const token = extra._meta?.progressToken;
  if (token === undefined) return { signal: extra.signal };
  // The spec requires progress to grow with every notification; the estimate of `total` may grow too.
  let last = -1;
  const onProgress = (p: Progress) => {
    if (p.done <= last || extra.signal.aborted) return;
    last = p.done;
    extra
      .sendNotification({
        method: 'notifications/progress',
        params: { progressToken: token, progress: p.done, total: Math.max(p.total, p.done), message: p.message },
      })
      .catch((e: unknown) => log(`twinseg: progress notification failed: ${errorMessage(e)}`));
  };
  return { signal: extra.signal, onProgress };
}
