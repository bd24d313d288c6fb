// Makes a hang fail even when it blocks the event loop (where no in-process timeout can fire): a small
// child process expects a heartbeat from this one and, when it stops for `stallMs`, prints what was
// running and kills this process, so the test run fails instead of waiting forever.
import { spawn, type ChildProcess } from 'node:child_process';

const WATCHDOG = `
const [stallMs, pid] = process.argv.slice(1).map(Number);
let last = Date.now();
let doing = '(nothing yet)';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  last = Date.now();
  const lines = chunk.split('\\n').filter((l) => l && l !== '.');
  if (lines.length) doing = lines[lines.length - 1];
});
process.stdin.on('end', () => process.exit(0));
setInterval(() => {
  if (Date.now() - last < stallMs) return;
  process.stderr.write('hang watchdog: the event loop of process ' + pid + ' was blocked for ' + stallMs + ' ms during: ' + doing + '\\n');
  try { process.kill(pid, 'SIGKILL'); } catch {}
  process.exit(1);
}, 250);
`;

export interface Watchdog {
  /** Names what runs now; shown if it hangs. */
  doing(what: string): void;
  stop(): void;
}

export function startWatchdog(stallMs: number): Watchdog {
  const child: ChildProcess = spawn(process.execPath, ['-e', WATCHDOG, String(stallMs), String(process.pid)], {
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  child.unref();
  const beat = setInterval(() => child.stdin?.write('.\n'), 200);
  beat.unref();
  return {
    doing: (what) => {
      child.stdin?.write(`${what.replace(/\s+/g, ' ').slice(0, 400)}\n`);
    },
    stop: () => {
      clearInterval(beat);
      child.stdin?.end();
    },
  };
}
