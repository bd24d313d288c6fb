// Writes that never leave a half-written file: write a sibling temp file, fsync, then rename it over
// the target, or (replace: false) link it into place, which fails with EEXIST if the target exists —
// an atomic "create, never clobber".
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

export async function writeFileAtomic(file: string, data: Uint8Array | string, opts: { replace?: boolean } = {}): Promise<void> {
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
