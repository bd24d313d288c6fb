// The file-backed twin store, by whichever name twin-store.ts gives its class: TwinStore today,
// LocalTwinStore once an interface (local or Redis) takes the name TwinStore. Tests that only need
// put and get go through here, so the store can grow without them changing.
import * as storeModule from '../../src/twin/store/twin-store.js';
import type { Twin } from '../../src/twin/scene-model.js';

export interface LocalStoreOptions {
  dir: string;
  maxBytes: number;
  maxFiles?: number;
  log?: (msg: string) => void;
}

export interface StoreLike {
  get(id: string): Promise<Twin | undefined>;
  put(twin: Twin): Promise<void>;
}

export function openLocalTwinStore(opts: LocalStoreOptions): StoreLike {
  const exported = storeModule as unknown as Record<string, (new (o: LocalStoreOptions) => StoreLike) | undefined>;
  const Store = exported.LocalTwinStore ?? exported.TwinStore;
  if (typeof Store !== 'function') throw new Error('src/twin/store/twin-store.ts exports no local store class');
  return new Store(opts);
}
