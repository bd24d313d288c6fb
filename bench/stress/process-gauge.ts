// Reads another process's memory and open file handles from /proc (Linux): resident set now and its
// high-water mark, and what its file descriptors point at, sampled on a timer so a soak can show
// memory over time rather than two numbers.
import { promises as fs } from 'node:fs';
import path from 'node:path';

export interface MemorySample {
  /** Milliseconds since the gauge started. */
  t: number;
  rssMb: number;
  /** Kernel-kept peak resident set (VmHWM): catches spikes between samples. */
  peakMb: number;
  fds: number;
  sockets: number;
  /** What the run was doing then (e.g. "build 120 / call 8000"). */
  phase: string;
}

export async function memoryOf(pid: number): Promise<{ rssMb: number; peakMb: number }> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/** Open descriptors by kind: socket, pipe, anon_inode (epoll, eventfd…), file, other. */
export async function fdsOf(pid: number): Promise<{ total: number; byKind: Record<string, number> }> {
  const dir = `/proc/${pid}/fd`;
  const names = await fs.readdir(dir);
  const byKind: Record<string, number> = {};
  for (const n of names) {
    const target = await fs.readlink(path.join(dir, n)).catch(() => 'gone');
    const kind = /^socket:/.test(target)
      ? 'socket'
      : /^pipe:/.test(target)
        ? 'pipe'
        : /^anon_inode:/.test(target)
          ? 'anon_inode'
          : target.startsWith('/')
            ? 'file'
            : 'other';
    byKind[kind] = (byKind[kind] ?? 0) + 1;
  }
  return { total: names.length, byKind };
}

/** Paths of the regular files a process holds open. */
export async function openFiles(pid: number): Promise<string[]> {
  const dir = `/proc/${pid}/fd`;
  const targets = await Promise.all((await fs.readdir(dir)).map((n) => fs.readlink(path.join(dir, n)).catch(() => '')));
  return targets.filter((t) => t.startsWith('/')).sort();
}

export class ProcessGauge {
  readonly samples: MemorySample[] = [];
  private readonly started = Date.now();
  private timer: NodeJS.Timeout | undefined;
  phase = 'start';

  constructor(readonly pid: number) {}

  async sample(): Promise<MemorySample> {
    const [mem, fds] = await Promise.all([memoryOf(this.pid), fdsOf(this.pid)]);
    const s = { t: Date.now() - this.started, ...mem, fds: fds.total, sockets: fds.byKind.socket ?? 0, phase: this.phase };
    this.samples.push(s);
    return s;
  }

  start(everyMs: number): void {
    this.timer = setInterval(() => void this.sample().catch(() => undefined), everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
