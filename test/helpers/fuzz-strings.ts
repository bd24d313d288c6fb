// Strings the MCP fuzz puts into string fields: paths in and out of the roots (symlinks, `..`,
// Windows and URL forms, NUL, unicode), images (valid, broken, over the limit), twin ids the server
// returned (as placeholders resolved at call time), and hostile text. Fields whose name or
// description says what they hold (a twin id, an image path, an output path) get mostly those.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import type { DrawnServer } from './drawn-twin-server.js';
import { hostileScalar } from './schema-arbitrary.js';

/** Placeholder for "a twin id the server returned earlier", resolved when the call is made. */
export const LIVE_TWIN = '\u0001live-twin#';

/** Replaces placeholders (plain or percent-encoded) with live twin ids, keeping keys like __proto__ as data. */
export function resolveLive<T>(v: T, liveTwins: readonly string[]): T {
  // Half the time the first twin (of the drawn photo, with objects), else any twin returned so far.
  const live = (n: string) => liveTwins[Number(n) % 2 === 0 ? 0 : Number(n) % liveTwins.length] ?? 'tw_0000000000000000';
  const encoded = encodeURIComponent(LIVE_TWIN);
  const swap = (str: string) =>
    str
      .replace(new RegExp(`${LIVE_TWIN}(\\d+)`, 'g'), (_m, n: string) => live(n))
      .replace(new RegExp(`${encoded}(\\d+)`, 'g'), (_m, n: string) => live(n));
  const walk = (x: unknown): unknown => {
    if (typeof x === 'string') return swap(x);
    if (Array.isArray(x)) return x.map(walk);
    if (x && typeof x === 'object') {
      const o: Record<string, unknown> = {};
      for (const [k, val] of Object.entries(x))
        Object.defineProperty(o, k, { value: walk(val), enumerable: true, writable: true, configurable: true });
      return o;
    }
    return x;
  };
  return walk(v) as T;
}

export interface FuzzStrings {
  mix: fc.Arbitrary<string>;
  stringFor: (key: string, schema: { [key: string]: unknown }) => fc.Arbitrary<string> | undefined;
}

export function fuzzStrings(s: DrawnServer, maxImageBytes: number): FuzzStrings {
  const mix = interestingStrings(s, maxImageBytes);
  return { mix, stringFor: (key, schema) => stringFor(s, mix, key, schema) };
}

/** Focused strings for fields whose name or description says what they hold; the general mix otherwise. */
function stringFor(
  s: DrawnServer,
  mix: fc.Arbitrary<string>,
  key: string,
  schema: { [key: string]: unknown },
): fc.Arbitrary<string> | undefined {
  const about = `${key} ${typeof schema.description === 'string' ? schema.description : ''}`.toLowerCase();
  if (/twin/.test(about) && /\bid\b|_id/.test(about)) {
    return fc.oneof({ weight: 6, arbitrary: fc.nat().map((n) => `${LIVE_TWIN}${n}`) }, { weight: 1, arbitrary: mix });
  }
  if (/write|output/.test(about)) {
    const outputs = [
      'out/m.png',
      'mask.png',
      'new/deeper/m.json',
      'фото-mask.png',
      'sub/../out/x.png',
      'door/written.png',
      'link-in.png',
      'sub',
      'photo.png/m.png',
      'door/new/m.png',
    ];
    return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...outputs) }, { weight: 1, arbitrary: mix });
  }
  if (/path|image|file|url/.test(about)) {
    const photo = path.join(s.root, 'photo.png');
    const good = [
      'photo.png',
      photo,
      pathToFileURL(photo).href,
      'фото 📷.png',
      'sub/b.png',
      'link-in.png',
      `data:image/png;base64,${s.photo.toString('base64')}`,
    ];
    return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...good) }, { weight: 2, arbitrary: mix });
  }
  return undefined;
}

function interestingStrings(s: DrawnServer, maxImageBytes: number): fc.Arbitrary<string> {
  const { root, outside } = s;
  const photo = path.join(root, 'photo.png');
  const b64 = s.photo.toString('base64');
  const paths = [
    'photo.png',
    photo,
    pathToFileURL(photo).href,
    'фото 📷.png',
    pathToFileURL(path.join(root, 'фото 📷.png')).href,
    'sub/b.png',
    'sub/../photo.png',
    'sub',
    'link-in.png',
    'link-out.png',
    'door/secret.png',
    path.join(outside, 'secret.png'),
    `${root}/../${path.basename(outside)}/secret.png`,
    '../../../../etc/passwd',
    '/etc/passwd',
    '/dev/zero',
    '/proc/self/environ',
    'file:///etc/passwd',
    'file://evil.example/share/x.png',
    'file:///%2e%2e/%2e%2e/etc/passwd',
    '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    'C:\\Windows\\win.ini',
    'C:/Windows/win.ini',
    '\\\\server\\share\\x.png',
    'PHOTO.PNG',
    'photo.png.',
    'photo.png/',
    'sub/',
    'photo.png\u0000.txt',
    'out/mask.png',
    'out/new/deeper/mask.json',
    'link-in.png',
    'door/written.png',
    path.join(outside, 'written.png'),
    'x'.repeat(5_000),
  ];
  const images = [
    b64,
    `data:image/png;base64,${b64}`,
    `data:image/png;base64,${Buffer.alloc(maxImageBytes + 10).toString('base64')}`,
    'data:image/png,abc',
    'data:;base64,',
    'data:image/png;base64,!!!!',
    Buffer.from('not an image at all, just text').toString('base64'),
    `iVBORw0KGgo${'A'.repeat(2_000)}`,
  ];
  const ids = ['tw_0000000000000000', 'tw_ffffffffffffffff', 'tw_', 'twin-abc', 'TW_0123456789ABCDEF', 'tw_0123456789abcdefg'];
  return fc.oneof(
    { weight: 4, arbitrary: fc.nat().map((n) => `${LIVE_TWIN}${n}`) },
    { weight: 3, arbitrary: fc.constantFrom(...paths) },
    { weight: 2, arbitrary: fc.constantFrom(...images) },
    { weight: 1, arbitrary: fc.constantFrom(...ids) },
    { weight: 1, arbitrary: hostileScalar.filter((v): v is string => typeof v === 'string') },
  );
}
