// A process that persists twins in a loop until it is killed, for the crash-safety test
// (test/twin/store/twin-store-crash.test.ts). It runs the built store (dist/, which the test setup builds)
// through openStore() only, so when the store grows an interface only that function changes.
//
//   node twin-store-child.mjs DIR TEMPLATE_JSON ROUND
//
// Each write is a copy of the template twin with its own id and params.version. Most writes are
// new twins (ids from the round and a counter); every third one rewrites one of the first few twins
// of the run, so kills also land on replacements. After each put resolves it prints
// "<id> <version>" on stdout; "ready" first. Store warnings go to stderr.
import { promises as fs } from 'node:fs';

const dist = new URL('../../dist/', import.meta.url);
const storeModule = await import(new URL('twin/store/twin-store.js', dist).href);
// The class is TwinStore until an interface takes that name; then it is LocalTwinStore.
const LocalStore = storeModule.LocalTwinStore ?? storeModule.TwinStore;
const { deserializeTwin } = await import(new URL('twin/store/twin-codec.js', dist).href);

const [dir, templateFile, roundArg] = process.argv.slice(2);
const round = Number(roundArg);

/** The store as this test uses it: put a twin (resolves once it is persisted), nothing else. */
function openStore(directory) {
  const store = new LocalStore({
    dir: directory,
    maxBytes: 1, // keep nothing in memory: every twin must come from disk after a restart
    maxFiles: 1_000_000, // no pruning: every reported twin must stay
    log: (m) => {
      if (!/exceeds the twin cache/.test(m)) process.stderr.write(`store: ${m}\n`);
    },
  });
  return { put: (twin) => store.put(twin) };
}

const template = await fs.readFile(templateFile, 'utf8');
const store = openStore(dir);
const id = (r, n) => `tw_${r.toString(16).padStart(6, '0')}${n.toString(16).padStart(10, '0')}`;
let version = 0;
process.stdout.write('ready\n');
for (let n = 0; ; n++) {
  const twin = deserializeTwin(template);
  twin.id = n % 3 === 2 ? id(round, n % 5) : id(round, n);
  twin.params = { ...twin.params, version: ++version, round };
  await store.put(twin);
  process.stdout.write(`${twin.id} ${version}\n`);
}
