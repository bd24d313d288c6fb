// Decoded pixels in flight, bounded in bytes: a build (or a re-read of an image) takes the bytes its
// picture decodes to before decoding it, and gives them back when it is done. Past the budget a caller
// waits its turn, first come first served, so that two 64 Mpx pictures arriving together are decoded
// one after the other instead of side by side. One picture larger than the whole budget still runs,
// alone.
import { TwinsegError } from '../../errors.js';

interface Waiter {
  bytes: number;
  grant: () => void;
}

export class PixelBudget {
  private used = 0;
  private readonly queue: Waiter[] = [];

  constructor(readonly capacity: number) {}

  /** Bytes taken now (for tests and figures). */
  get inFlight(): number {
    return this.used;
  }

  /** Resolves with a release function once `bytes` fit; CANCELLED if the signal fires first. */
  take(bytes: number, signal?: AbortSignal): Promise<() => void> {
    const want = Math.min(Math.max(0, Math.ceil(bytes)), this.capacity);
    return new Promise((resolve, reject) => {
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        this.used -= want;
        this.grantWaiting();
      };
      const waiter: Waiter = {
        bytes: want,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          this.used += want;
          resolve(release);
        },
      };
      const onAbort = () => {
        const i = this.queue.indexOf(waiter);
        if (i < 0) return;
        this.queue.splice(i, 1);
        reject(
          new TwinsegError('CANCELLED', 'The operation was cancelled while it waited for memory to decode its image.', {
            cause: signal?.reason,
          }),
        );
        this.grantWaiting();
      };
      if (signal?.aborted) {
        reject(new TwinsegError('CANCELLED', 'The operation was cancelled.', { cause: signal.reason }));
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
      this.grantWaiting();
    });
  }

  private grantWaiting(): void {
    while (this.queue.length > 0 && this.used + this.queue[0]!.bytes <= this.capacity) this.queue.shift()!.grant();
  }
}
