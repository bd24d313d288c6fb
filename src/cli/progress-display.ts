// Progress of a long command on stderr: a bar that redraws in place, with the stage and the time left,
// when stderr is a terminal; otherwise (logs, CI, pipes) a plain line now and then.
import cliProgress from 'cli-progress';
import type { Progress } from '../perception/contract.js';
import type { CliIo } from './cli-io.js';

export interface ProgressDisplay {
  update(p: Progress): void;
  stop(): void;
}

/** Plain lines at most every `everyMs` (and the last one), so a log stays short. */
function lines(io: CliIo, everyMs: number): ProgressDisplay {
  let last = 0;
  return {
    update(p) {
      const now = Date.now();
      if (now - last < everyMs && p.done < p.total) return;
      last = now;
      io.stderr(`  ${p.done}/${p.total}${p.message ? ` ${p.message}` : ''}\n`);
    },
    stop() {},
  };
}

function bar(label: string): ProgressDisplay {
  const b = new cliProgress.SingleBar(
    {
      format: `${label} {bar} {percentage}% | {stage} | {eta_formatted} left`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(p) {
      const stage = p.message ?? '';
      if (!started) {
        b.start(Math.max(1, p.total), p.done, { stage });
        started = true;
      }
      // The estimate of the total may grow as adaptive prompting adds work.
      b.setTotal(Math.max(1, p.total, p.done));
      b.update(p.done, { stage });
    },
    stop() {
      if (started) b.stop();
    },
  };
}

export function progressDisplay(io: CliIo, label: string): ProgressDisplay {
  return io.isTTY ? bar(label) : lines(io, 1000);
}
