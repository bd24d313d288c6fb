import { expect, it } from 'vitest';
import { cliToolWords, cliWords } from '../../src/cli/cli-words.js';

it('turns the hints written for MCP hosts into the CLI commands a shell user types', () => {
  expect(cliWords('Call build_digital_twin with the image to get a twin id.')).toBe('Run `twinseg build IMAGE` to get a twin id.');
  expect(cliWords('Build the twin again with build_digital_twin.')).toBe('Build the twin again with `twinseg build IMAGE`.');
  expect(cliWords('Use object ids of that twin, as filter_objects or the marks image show them.')).toBe(
    'Use object ids of that twin, as `twinseg call filter_objects` or the marks image show them.',
  );
  expect(cliWords('Refine it with points or a box instead (segment with "object" and "points").')).toBe(
    'Refine it with points or a box instead (`twinseg call segment` with "object" and "points").',
  );
  expect(cliWords('Pass "overwrite": true to replace it, or choose another output_path.')).toBe(
    'Pass --force to replace it, or choose another --out.',
  );
});

it("keeps tool arguments as they are for `twinseg call`, whose input is a tool's own JSON", () => {
  expect(cliToolWords('Pass "overwrite": true to replace it, or choose another output_path.')).toBe(
    'Pass "overwrite": true to replace it, or choose another output_path.',
  );
  expect(cliToolWords('There is no tool named "x". Call tools/list for the tools this server has.')).toBe(
    'There is no tool named "x". Run `twinseg call` for the tools this server has.',
  );
});
