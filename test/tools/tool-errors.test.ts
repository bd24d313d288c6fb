import { describe, expect, it } from 'vitest';
import { TwinsegError } from '../../src/errors.js';
import { errorText, MAX_ERROR_HINT_CHARS, MAX_ERROR_MESSAGE_CHARS, sdkToolErrorText } from '../../src/tools/tool-errors.js';

describe('errorText', () => {
  it('quotes at most 1,500 characters of a message that echoes a huge argument, and keeps a short hint whole', () => {
    const id = 'x'.repeat(100_000);
    const text = errorText(new TwinsegError('TWIN_NOT_FOUND', `No twin with id "${id}".`, { hint: 'Call build_digital_twin first.' }));
    expect(text.length).toBeLessThan(MAX_ERROR_MESSAGE_CHARS + 100);
    expect(text).toMatch(/^TWIN_NOT_FOUND: No twin with id "x+… \(98519 more characters cut\) Call build_digital_twin first\.$/);
    expect(errorText(new Error('y'.repeat(50_000))).length).toBeLessThan(MAX_ERROR_MESSAGE_CHARS + 200);
  });
  it('caps a hint that quotes an argument too', () => {
    const id = 'z'.repeat(100_000);
    const text = errorText(new TwinsegError('INVALID_INPUT', 'Not a mask selection.', { hint: `Use twin://${id}/mask/union-1.png.` }));
    expect(text.length).toBeLessThan(MAX_ERROR_HINT_CHARS + 100);
    expect(text).toMatch(/^INVALID_INPUT: Not a mask selection\. Use twin:\/\/z+… \(99029 more characters cut\)$/);
  });
  it('leaves ordinary messages alone', () => {
    expect(errorText(new TwinsegError('OBJECT_NOT_FOUND', 'No object with id 9.', { hint: 'Use ids 1–5.' }))).toBe(
      'OBJECT_NOT_FOUND: No object with id 9. Use ids 1–5.',
    );
  });
});

describe('sdkToolErrorText', () => {
  it('turns the SDK schema failure into INVALID_INPUT with path: problem pairs', () => {
    const sdk =
      'MCP error -32602: Input validation error: Invalid arguments for tool get_mask: Invalid input: expected number, received string at ids[0]\nInvalid input: expected string, received undefined at twin_id';
    expect(sdkToolErrorText(sdk)).toBe(
      "INVALID_INPUT: Invalid arguments for get_mask: ids[0]: Invalid input: expected number, received string; twin_id: Invalid input: missing (expected string). Fix these fields to match the tool's input schema (tools/list shows it) and call again.",
    );
  });
  it('names an unknown tool and says where the list is', () => {
    expect(sdkToolErrorText('MCP error -32602: Tool frob not found')).toBe(
      'INVALID_INPUT: There is no tool named "frob". Call tools/list for the tools this server has.',
    );
  });
  it('calls anything else the SDK says an INTERNAL error', () => {
    expect(sdkToolErrorText('MCP error -32602: Output validation error: Invalid structured content for tool x: bad')).toMatch(
      /^INTERNAL: Output validation error/,
    );
  });
});
