// `npm run bundle [-- --platform darwin-arm64]`: the Claude Desktop bundle (.mcpb), one per platform because
// sharp and onnxruntime ship native code. The package as npm would publish it (npm pack, so exactly its
// `files`), its production dependencies for that platform, and mcpb/manifest.json at package.json's version;
// @anthropic-ai/mcpb validates the manifest and packs the folder. Writes twinseg-VERSION-PLATFORM.mcpb.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { platform: { type: 'string' }, out: { type: 'string' }, 'keep-stage': { type: 'boolean' } } });
const [targetOs, targetCpu] = (values.platform ?? `${process.platform}-${process.arch}`).split('-');
if (!['darwin', 'linux', 'win32'].includes(targetOs) || !['x64', 'arm64'].includes(targetCpu)) {
  console.error(`--platform must be darwin|linux|win32 and x64|arm64, e.g. darwin-arm64; got "${values.platform}".`);
  process.exit(2);
}
const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const mcpb = path.join(root, 'node_modules', '@anthropic-ai', 'mcpb', 'dist', 'cli', 'cli.js');
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: 'inherit', ...opts });

/** The manifest for a platform: package.json's version, that platform only. */
function bundleManifest(platform) {
  const manifest = JSON.parse(readFileSync(path.join(root, 'mcpb', 'manifest.json'), 'utf8'));
  return { ...manifest, version, compatibility: { ...manifest.compatibility, platforms: [platform] } };
}

const stage = mkdtempSync(path.join(os.tmpdir(), 'twinseg-bundle-'));
try {
  run(npm, ['pack', '--pack-destination', stage], { cwd: root });
  const tarball = readdirSync(stage).find((f) => f.endsWith('.tgz'));
  run('tar', ['-xzf', tarball], { cwd: stage });
  const dir = path.join(stage, 'package');
  // No install scripts: onnxruntime-node's would download CUDA libraries; the CPU build is in the package.
  run(
    npm,
    ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--no-package-lock', `--os=${targetOs}`, `--cpu=${targetCpu}`],
    {
      cwd: dir,
      env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
    },
  );
  // onnxruntime-node carries every platform's runtime (about 290 MB); the bundle needs its own.
  const ortBin = path.join(dir, 'node_modules', 'onnxruntime-node', 'bin');
  for (const napi of readdirSync(ortBin)) {
    for (const osName of readdirSync(path.join(ortBin, napi))) {
      for (const cpu of readdirSync(path.join(ortBin, napi, osName))) {
        if (osName !== targetOs || cpu !== targetCpu) rmSync(path.join(ortBin, napi, osName, cpu), { recursive: true, force: true });
      }
    }
  }
  writeFileSync(path.join(dir, 'manifest.json'), `${JSON.stringify(bundleManifest(targetOs), null, 2)}\n`);
  run(process.execPath, [mcpb, 'validate', path.join(dir, 'manifest.json')]);
  const out = path.resolve(values.out ?? path.join(root, `twinseg-${version}-${targetOs}-${targetCpu}.mcpb`));
  mkdirSync(path.dirname(out), { recursive: true });
  run(process.execPath, [mcpb, 'pack', dir, out]);
  console.log(`bundle written to ${out}`);
} finally {
  if (!values['keep-stage']) rmSync(stage, { recursive: true, force: true });
}
