// What every error a host model reads must look like: `CODE: what happened. What to do.` — a stable
// code to branch on, a message without stack traces or leaked `undefined`/`[object Object]`, a hint
// that tells the reader what to do, and a bounded length (a 1 MB argument must not echo back whole).

/** `CODE: ` at the start: upper-case letters and underscores. */
export const ERROR_CODE_RE = /^([A-Z][A-Z0-9_]{2,}): \S/;

/** Words a hint starts its advice with; every error text should carry at least one. */
const ADVICE_RE =
  /\b(use|give|call|pass|check|send|set|put|retry|build|convert|compress|downscale|save|pick|choose|remove|add|ask|read|write|narrow|report|reinstall|start|close|draw|label|rebuild|try|select|leave|keep|make|raise|lower|look)\b/i;

/** Longest error text accepted: enough for a path and a list of roots, not for an echoed megabyte. */
export const MAX_ERROR_TEXT = 4_000;

export function errorCodeOf(text: string): string | undefined {
  return ERROR_CODE_RE.exec(text)?.[1];
}

/** Everything wrong with an error text (empty when it is fine). */
export function errorTextProblems(text: string): string[] {
  const problems: string[] = [];
  const code = errorCodeOf(text);
  if (!code) problems.push('does not start with an error CODE');
  if (code === 'INTERNAL') problems.push('is an INTERNAL error (a bug, not a refusal)');
  if (/\n\s+at\s|\bat [\w.<>]+ \(.*:\d+:\d+\)|node:internal|file:\/\/\S+\.(?:js|ts):\d+/.test(text))
    problems.push('contains a stack trace');
  if (/\bundefined\b/.test(text)) problems.push('says "undefined"');
  if (/\[object Object\]/.test(text)) problems.push('says "[object Object]"');
  if (/^MCP error -?\d+/m.test(text)) problems.push('carries a raw SDK "MCP error" prefix');
  if (/"code":\s*"[a-z_]+"|"expected":|"path":\s*\[/.test(text)) problems.push('contains a raw zod issue dump');
  if (!ADVICE_RE.test(text)) problems.push('says nothing about what to do');
  if (text.length > MAX_ERROR_TEXT) problems.push(`is ${text.length} characters long (limit ${MAX_ERROR_TEXT})`);
  return problems;
}
