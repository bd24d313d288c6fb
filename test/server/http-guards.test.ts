import { describe, expect, it } from 'vitest';
import { bearerMatches, generateToken, originAllowed } from '../../src/server/http-guards.js';

describe('originAllowed', () => {
  it('lets non-browser clients (no Origin) and loopback origins through', () => {
    expect(originAllowed(undefined, [])).toBe(true);
    for (const o of ['http://localhost:3000', 'http://127.0.0.1:3917', 'https://localhost', 'http://[::1]:8080']) {
      expect(originAllowed(o, [])).toBe(true);
    }
  });
  it('refuses foreign, malformed and "null" origins unless listed', () => {
    expect(originAllowed('http://evil.example', [])).toBe(false);
    expect(originAllowed('http://localhost.evil.example', [])).toBe(false);
    expect(originAllowed('null', [])).toBe(false);
    expect(originAllowed('file://', [])).toBe(false);
    expect(originAllowed('https://app.example', ['https://app.example'])).toBe(true);
  });
});

describe('bearerMatches', () => {
  const token = 'a'.repeat(32);
  it('accepts the exact token', () => {
    expect(bearerMatches(`Bearer ${token}`, token)).toBe(true);
    expect(bearerMatches(`bearer ${token}`, token)).toBe(true);
  });
  it('refuses missing, wrong, prefixed and other-scheme credentials', () => {
    expect(bearerMatches(undefined, token)).toBe(false);
    expect(bearerMatches('Bearer ', token)).toBe(false);
    expect(bearerMatches(`Bearer ${token}x`, token)).toBe(false);
    expect(bearerMatches(`Bearer ${token.slice(1)}`, token)).toBe(false);
    expect(bearerMatches(`Basic ${token}`, token)).toBe(false);
  });
});

it('generates long, distinct tokens', () => {
  const a = generateToken();
  expect(a.length).toBeGreaterThanOrEqual(32);
  expect(generateToken()).not.toBe(a);
});
