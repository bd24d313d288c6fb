// What one MCP session may see of the shared twin store: the twins it built, the revisions it made from
// them, and the ids it was given (read by id: ids are digests no one guesses, so holding one is what
// being given a twin means). resources/list lists these only, and a twin's image path is shown only to
// the session that named that path itself: a twin's recorded source is whoever built it first, which
// may be another client. Over HTTP each session has its own; stdio has one per process.
import { LRUCache } from 'lru-cache';
import type { ImageAccess } from '../twin/twin-service-api.js';

/** Twins a session remembers (most recently used kept). */
export const SESSION_TWINS_KEPT = 1_000;

interface Seen {
  /** The path this session named for the image, when it built the twin from a file itself. */
  source?: string;
}

export class SessionTwins {
  private readonly seen = new LRUCache<string, Seen>({ max: SESSION_TWINS_KEPT });

  /** A twin this session built (from `source`, a path) or was given by id. */
  saw(id: string, source?: string): void {
    const known = this.seen.peek(id);
    this.seen.set(id, { source: source ?? known?.source });
  }

  /** A revision this session made from `parent`: it keeps the name the session gave the image. */
  made(id: string, parent: string): void {
    this.saw(id, this.seen.peek(parent)?.source);
  }

  /** The image path this session named for the twin, if it did. */
  sourceOf(id: string): string | undefined {
    return this.seen.peek(id)?.source;
  }

  /** Ids of the twins this session has seen, most recently used first. */
  ids(): string[] {
    return [...this.seen.keys()];
  }

  /** On whose behalf the twin's image may be read again: this session's roots, its own path first. */
  access(id: string, roots: readonly string[]): ImageAccess {
    const source = this.sourceOf(id);
    return source === undefined ? { roots } : { roots, source };
  }
}
