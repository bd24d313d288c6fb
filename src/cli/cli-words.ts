// Error hints are written for an MCP host ("call build_digital_twin"); in a shell the same advice names
// the command to type. One table turns the one vocabulary into the other, for every CLI error.
const TOOL_WORDS: readonly [RegExp, string][] = [
  [/\bCall build_digital_twin with the image\b/g, 'Run `twinseg build IMAGE`'],
  [/\bcall build_digital_twin\b/gi, 'run `twinseg build IMAGE`'],
  [/\bwith build_digital_twin\b/g, 'with `twinseg build IMAGE`'],
  [/\bby build_digital_twin\b/g, 'by `twinseg build`'],
  [/\bCall tools\/list for\b/g, 'Run `twinseg call` for'],
  [/\btools\/list\b/g, '`twinseg call`'],
];

/** Outside `twinseg call`: the other tools by the command that runs them, and get_mask's arguments as flags. */
const COMMAND_WORDS: readonly [RegExp, string][] = [
  [/\b(filter_objects|label_objects|get_mask)\b/g, '`twinseg call $1`'],
  [/(\(|with )segment\b/g, '$1`twinseg call segment`'],
  [/Pass "overwrite": true\b/g, 'Pass --force'],
  [/\boutput_path\b/g, '--out'],
];

const replaced = (text: string, table: readonly [RegExp, string][]) => table.reduce((t, [from, to]) => t.replace(from, to), text);

/** An error text with MCP tool names replaced by the CLI commands that do the same. */
export function cliWords(text: string): string {
  return replaced(replaced(text, TOOL_WORDS), COMMAND_WORDS);
}

/** For `twinseg call`, whose arguments are a tool's own JSON: tool names only. */
export function cliToolWords(text: string): string {
  return replaced(text, TOOL_WORDS);
}
