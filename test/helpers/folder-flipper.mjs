// Flips a folder between a real directory and a symlink to a folder outside the roots, as fast as it can,
// in a process of its own (so the flips run beside the server's calls, not between them), for the path
// race tests.
//
//   node folder-flipper.mjs FOLDER STASH TARGET MS
//
// While the symlink is in place the real directory waits at STASH (inside the roots). A folder the server
// creates at FOLDER in between (a write making its missing folders) is removed. Ends with FOLDER a real
// directory and prints the number of flips.
import fs from 'node:fs';

const [folder, stash, target, ms] = process.argv.slice(2);
const end = Date.now() + Number(ms);
const pause = new Int32Array(new SharedArrayBuffer(4));

function clear() {
  for (;;) {
    try {
      fs.unlinkSync(folder);
      return;
    } catch (e) {
      if (e.code === 'ENOENT') return;
      if (e.code !== 'EISDIR' && e.code !== 'EPERM') throw e;
    }
    try {
      // A folder the server made meanwhile; it may be writing into it while this removes it.
      fs.rmSync(folder, { recursive: true, force: true });
      return;
    } catch (e) {
      if (e.code !== 'ENOTEMPTY') throw e;
    }
  }
}

function retry(fn) {
  for (;;) {
    try {
      return fn();
    } catch (e) {
      if (e.code !== 'EEXIST' && e.code !== 'ENOTEMPTY' && e.code !== 'ENOTDIR') throw e;
      clear();
    }
  }
}

let flips = 0;
while (Date.now() < end) {
  fs.renameSync(folder, stash);
  retry(() => fs.symlinkSync(target, folder));
  flips++;
  Atomics.wait(pause, 0, 0, flips % 3); // 0–2 ms in each state, so calls land in both
  clear();
  retry(() => fs.renameSync(stash, folder));
  flips++;
  Atomics.wait(pause, 0, 0, flips % 3);
}
process.stdout.write(`${flips}\n`);
