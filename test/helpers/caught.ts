import { expect } from 'vitest';
import { TwinsegError } from '../../src/errors.js';

/** The TwinsegError a promise rejects with (fails the test if it resolves or throws something else). */
export async function caught(p: Promise<unknown>): Promise<TwinsegError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TwinsegError);
  return e as TwinsegError;
}
