// Work that several callers may ask for at once under one key (builds of the same image): it runs once
// and every caller waits for the same result. A caller that cancels stops waiting at once; the work
// itself is cancelled only when every caller has, so one client's cancel never fails another's build.
// A caller never joins work already cancelled: it starts afresh. Progress goes to every caller, and one
// that joins late is told the latest progress at once.
import { TwinsegError } from '../errors.js';
import type { Progress, RunControl } from '../perception/contract.js';

interface Run<T> {
  promise: Promise<T>;
  controller: AbortController;
  /** Callers still waiting; a caller without a signal can never leave. */
  waiters: number;
  listeners: Set<(p: Progress) => void>;
  last?: Progress;
}

const cancelled = (reason: unknown) => new TwinsegError('CANCELLED', 'The operation was cancelled.', { cause: reason });

export class SharedRuns<T> {
  private readonly runs = new Map<string, Run<T>>();

  /** Runs `work` under `key`, or joins the run already going; `work` gets a control shared by every caller. */
  run(key: string, control: RunControl, work: (shared: RunControl) => Promise<T>): Promise<T> {
    if (control.signal?.aborted) return Promise.reject(cancelled(control.signal.reason));
    const going = this.runs.get(key);
    return this.join(going && !going.controller.signal.aborted ? going : this.start(key, work), control);
  }

  /** Keys with work in progress (for diagnostics and tests). */
  get size(): number {
    return this.runs.size;
  }

  private start(key: string, work: (shared: RunControl) => Promise<T>): Run<T> {
    const controller = new AbortController();
    const run: Run<T> = { promise: Promise.resolve() as Promise<T>, controller, waiters: 0, listeners: new Set() };
    const onProgress = (p: Progress) => {
      run.last = p;
      for (const listener of run.listeners) listener(p);
    };
    run.promise = (async () => {
      try {
        return await work({ signal: controller.signal, onProgress });
      } finally {
        if (this.runs.get(key) === run) this.runs.delete(key);
      }
    })();
    // Every caller may have left; the run's own failure must not become an unhandled rejection.
    run.promise.catch(() => undefined);
    this.runs.set(key, run);
    return run;
  }

  private join(run: Run<T>, control: RunControl): Promise<T> {
    const { signal, onProgress } = control;
    run.waiters++;
    if (onProgress) {
      run.listeners.add(onProgress);
      if (run.last) onProgress(run.last);
    }
    return new Promise<T>((resolve, reject) => {
      const leave = () => {
        if (onProgress) run.listeners.delete(onProgress);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        leave();
        if (--run.waiters === 0) run.controller.abort(signal!.reason);
        reject(cancelled(signal!.reason));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      run.promise.then(
        (v) => {
          leave();
          resolve(v);
        },
        (e: unknown) => {
          leave();
          reject(e);
        },
      );
    });
  }
}
