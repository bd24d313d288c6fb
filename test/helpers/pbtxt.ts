// A reader for the part of protobuf text format that Triton model configurations use: `key: value`,
// `key { ... }`, `key [ ... ]`, strings, numbers, enum names and # comments. A key seen twice becomes a list.
// Tests read generated config.pbtxt files with it; it knows nothing of how twinseg writes them.

export type PbValue = string | number | PbMessage | PbValue[];
export interface PbMessage {
  [key: string]: PbValue;
}

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const re = /\s+|#[^\n]*|("(?:[^"\\]|\\.)*")|([{}[\]:,;])|([A-Za-z0-9_.+-]+)/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < text.length && (m = re.exec(text))) {
    const token = m[1] ?? m[2] ?? m[3];
    if (token !== undefined) tokens.push(token);
  }
  if (re.lastIndex < text.length) throw new Error(`pbtxt: cannot read from "${text.slice(re.lastIndex, re.lastIndex + 20)}"`);
  return tokens;
}

export function parsePbtxt(text: string): PbMessage {
  const tokens = tokenize(text);
  let i = 0;
  const peek = () => tokens[i];
  const next = () => {
    if (i >= tokens.length) throw new Error('pbtxt: unexpected end');
    return tokens[i++];
  };
  const expect = (t: string) => {
    const got = next();
    if (got !== t) throw new Error(`pbtxt: expected "${t}", got "${got}"`);
  };

  function scalar(token: string): string | number {
    if (token.startsWith('"')) return JSON.parse(token) as string;
    return /^-?\d+(\.\d+)?$/.test(token) ? Number(token) : token;
  }

  function value(): PbValue {
    const t = peek();
    if (t === '{') {
      next();
      return message('}');
    }
    if (t === '[') {
      next();
      const items: PbValue[] = [];
      while (peek() !== ']') {
        items.push(value());
        if (peek() === ',') next();
      }
      next();
      return items;
    }
    return scalar(next());
  }

  function message(end: string | undefined): PbMessage {
    const out: PbMessage = {};
    while (i < tokens.length && peek() !== end) {
      const key = next();
      if (peek() === ':') next();
      const v = value();
      if (peek() === ',' || peek() === ';') next();
      if (!(key in out)) out[key] = v;
      else out[key] = Array.isArray(out[key]) && !Array.isArray(v) ? [...(out[key] as PbValue[]), v] : [out[key], v];
    }
    if (end) expect(end);
    return out;
  }

  return message(undefined);
}

/** One tensor of a Triton model configuration. */
export interface ConfigTensor {
  name: string;
  data_type: string;
  dims: number[];
}

export interface ModelConfig {
  name: string;
  platform: string;
  max_batch_size: number;
  input: ConfigTensor[];
  output: ConfigTensor[];
  instance_group: { count: number; kind: string }[];
  dynamic_batching?: PbMessage;
}

const asList = <T>(v: PbValue | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? (v as T[]) : [v as T]);

export function parseModelConfig(text: string): ModelConfig {
  const m = parsePbtxt(text);
  return {
    name: m.name as string,
    platform: m.platform as string,
    max_batch_size: (m.max_batch_size as number | undefined) ?? 0,
    input: asList<ConfigTensor>(m.input),
    output: asList<ConfigTensor>(m.output),
    instance_group: asList(m.instance_group),
    dynamic_batching: m.dynamic_batching as PbMessage | undefined,
  };
}
