// Writes that never leave a half-written file: write a sibling temp file, fsync, then rename it over
// the target, or (replace: false) link it into place, which fails with EEXIST if the target exists —
// an atomic "create, never clobber". Failures name the target, not the temp file (EEXIST stays as it is,
// for callers to word as their surface asks: --force or overwrite).
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fromSystemError } from './errors.js';

export async function writeFileAtomic(file: string, data: Uint8Array | string, opts: { replace?: boolean } = {}): Promise<void> {
  try {
    await writeOnce(file, data, opts);
  } catch (e) {
    throw (e as NodeJS.ErrnoException).code === 'EEXIST' ? e : fromSystemError(e, file);
  }
}

async function writeOnce(file: string, data: Uint8Array | string, opts: { replace?: boolean } = {}): Promise<void> {
  // A folder in the way would read as "exists" (link) or fail on the temp file's rename: say what it is.
  if ((await fs.stat(file).catch(() => undefined))?.isDirectory())
    throw Object.assign(new Error(`${file} is a folder`), { code: 'EISDIR' });
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await fs.open(tmp, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    if (opts.replace === false) {
      await fs.link(tmp, file);
      await fs.rm(tmp, { force: true });
    } else {
      await fs.rename(tmp, file);
    }
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}
