// A replica's store writing twins into Redis in a loop until it is killed, for the crash-safety test
// (test/twin/store/redis-twin-store-crash.test.ts). It runs the built store (dist/, which the test setup builds).
//
//   node redis-store-child.mjs REDIS_URL NAMESPACE TEMPLATE_JSON ROUND
//
// It stores the template twin under an id of its round, then revisions of it, one after another: every
// third a labelled revision (no masks of its own), the others new perception twins. Before each put it
// prints "begin <id>", after it "done <id>", so the test knows whether a kill landed mid-write.
import { promises as fs } from 'node:fs';

const dist = new URL('../../dist/', import.meta.url);
const { RedisTwinStore } = await import(new URL('twin/store/redis-twin-store.js', dist).href);
const { deserializeTwin } = await import(new URL('twin/store/twin-codec.js', dist).href);
const { draftOf, makeRevision } = await import(new URL('twin/revision.js', dist).href);

const [url, namespace, templateFile, roundArg] = process.argv.slice(2);
const round = Number(roundArg);
const store = new RedisTwinStore({
  url,
  namespace,
  ttlSeconds: 3600,
  maxTwinBytes: 64 << 20,
  cacheBytes: 1, // nothing cached: every base is read back from Redis
  timeoutMs: 5000,
  log: (m) => {
    if (!/exceeds the twin cache/.test(m)) process.stderr.write(`store: ${m}\n`);
  },
});

const template = await fs.readFile(templateFile, 'utf8');
const id = (n) => `tw_${round.toString(16).padStart(6, '0')}${n.toString(16).padStart(10, '0')}`;
let base;
process.stdout.write('ready\n');
for (let n = 0; ; n++) {
  let twin;
  if (n % 3 === 2 && base) {
    const draft = draftOf(base);
    draft.objects[0].semantics.label = { value: `label ${n}`, source: 'host' };
    twin = makeRevision(base, { request: { op: 'label', n, round }, summary: 'labelled object 1', ...draft });
  } else {
    twin = deserializeTwin(template);
    twin.id = id(n);
    twin.params = { ...twin.params, round, n };
    base = twin;
  }
  process.stdout.write(`begin ${twin.id}\n`);
  await store.put(twin);
  process.stdout.write(`done ${twin.id}\n`);
}
