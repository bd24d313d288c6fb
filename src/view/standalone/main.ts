// The page `twinseg view` serves: it plays the MCP host around the twin view, in a browser tab with no
// chat. An MCP client talks to this server's /mcp endpoint with the bearer token from the URL's
// fragment (a fragment never travels to a server or into its logs); the view runs in a sandboxed
// iframe, and the SDK's AppBridge relays its tool calls and resource reads to that client, as a chat
// host would. What the view would tell the model is listed on the page, to copy into a conversation.
import { AppBridge, PostMessageTransport } from '@modelcontextprotocol/ext-apps/app-bridge';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult, ContentBlock } from '@modelcontextprotocol/sdk/types.js';
import type { ViewSession as Session } from '../../server/view-session.js';

interface Shown {
  twinId: string;
  ids?: number[];
  op?: string;
  exclude?: number[];
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const fragment = new URLSearchParams(location.hash.slice(1));
const token = fragment.get('token') ?? '';
let client: Client | undefined;
let bridge: AppBridge | undefined;
const messages: string[] = [];

function status(text: string, error = false): void {
  $('status').textContent = text;
  $('status').classList.toggle('error', error);
}

async function loadSession(): Promise<Session> {
  const r = await fetch('/view/session.json', { headers: { authorization: `Bearer ${token}` } });
  if (!r.ok) throw new Error(r.status === 401 ? 'The token was not accepted.' : `The server answered ${r.status}.`);
  return (await r.json()) as Session;
}

async function connect(): Promise<Client> {
  const c = new Client({ name: 'twinseg-view-page', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', location.href), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  await c.connect(transport);
  return c;
}

function note(content: readonly ContentBlock[], kind: string): void {
  const text = content.map((c) => (c.type === 'text' ? c.text : `[${c.type}]`)).join('\n');
  messages.push(text);
  const li = document.createElement('li');
  li.textContent = `${kind}: ${text}`;
  $('messages').append(li);
  $('outbox').hidden = false;
}

/** The result the view is opened with, shaped as the tool that names such a choice would shape it. */
function resultFor(s: Shown): CallToolResult {
  const structured = s.ids
    ? { twin_id: s.twinId, ids: s.ids, op: s.op ?? 'union', ...(s.exclude ? { exclude: s.exclude } : {}) }
    : { twin_id: s.twinId };
  const text = s.ids ? `Objects ${s.ids.join(', ')} of twin ${s.twinId}.` : `Twin ${s.twinId}.`;
  return { content: [{ type: 'text', text }], structuredContent: structured };
}

/** Mounts a fresh view for the twin: a view instance gets one tool result in its life. */
async function show(s: Shown): Promise<void> {
  if (!client) return;
  await bridge?.close().catch(() => undefined);
  const frame = document.createElement('iframe');
  // Scripts only: the view gets an opaque origin, so it reaches nothing of this page but postMessage.
  frame.setAttribute('sandbox', 'allow-scripts');
  frame.title = `Twin ${s.twinId}`;
  $('frame-box').replaceChildren(frame);
  const b = new AppBridge(
    client,
    { name: 'twinseg view', version: '1.0.0' },
    { serverTools: {}, serverResources: {}, logging: {}, message: { text: {} }, updateModelContext: { text: {}, structuredContent: {} } },
  );
  b.onmessage = async (params) => {
    note(params.content, 'Message');
    return {};
  };
  b.onupdatemodelcontext = async (params) => {
    if (params.content) note(params.content, 'Context');
    return {};
  };
  b.onsizechange = ({ height }) => {
    if (height !== undefined) frame.style.height = `${Math.ceil(height) + 4}px`;
  };
  b.oninitialized = () => {
    void b.sendToolInput({ arguments: { twin_id: s.twinId, ...(s.ids ? { ids: s.ids } : {}) } });
    void b.sendToolResult(resultFor(s));
  };
  bridge = b;
  // The bridge listens before the view loads, so the view's first message (ui/initialize) is not missed.
  await b.connect(new PostMessageTransport(frame.contentWindow!, frame.contentWindow!));
  frame.src = '/view/twin-view.html';
  status(`Showing twin ${s.twinId}${s.ids ? `, objects ${s.ids.join(', ')}` : ''}.`);
}

function option(value: string, text: string): HTMLOptionElement {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = text;
  return o;
}

/** The picker: the trace's choices (newest first), then the twins the server lists. */
async function fillPicker(session: Session, c: Client): Promise<Map<string, Shown>> {
  const choices = new Map<string, Shown>();
  const pick = $<HTMLSelectElement>('pick');
  for (const e of [...(session.trace ?? [])].reverse()) {
    const key = `trace:${e.line}`;
    choices.set(key, { twinId: e.twin_id, ids: e.ids, op: e.op, exclude: e.exclude });
    const minus = e.exclude?.length ? ` minus ${e.exclude.join(', ')}` : '';
    pick.append(option(key, `trace line ${e.line}: ${e.op} of ${e.ids.join(', ')}${minus} in ${e.twin_id} (${e.image.split('/').pop()})`));
  }
  const listed = await c.listResources().catch(() => ({ resources: [] }));
  for (const r of listed.resources) {
    const id = /^twin:\/\/([^/]+)$/.exec(r.uri)?.[1];
    if (!id || choices.has(id)) continue;
    choices.set(id, { twinId: decodeURIComponent(id) });
    pick.append(option(id, `${decodeURIComponent(id)}: ${r.description ?? ''}`));
  }
  return choices;
}

async function start(): Promise<void> {
  if (!token) {
    $('token-form').hidden = false;
    $('pick-form').hidden = true;
    status('Paste the bearer token (TWINSEG_TOKEN), or open the link `twinseg view` printed.');
    return;
  }
  try {
    const session = await loadSession();
    client = await connect();
    const choices = await fillPicker(session, client);
    $('pick-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const typed = $<HTMLInputElement>('twin-id').value.trim();
      const chosen = typed ? { twinId: typed } : choices.get($<HTMLSelectElement>('pick').value);
      if (chosen) void show(chosen).catch((err: unknown) => status(String(err), true));
    });
    const first = fragment.get('twin') ?? session.twin_id;
    const last = session.trace?.at(-1);
    const initial: Shown | undefined = first
      ? { twinId: first }
      : last
        ? { twinId: last.twin_id, ids: last.ids, op: last.op, exclude: last.exclude }
        : undefined;
    if (initial) await show(initial);
    else status(choices.size ? 'Pick a twin.' : 'No twins yet: build one (twinseg build IMAGE), then type its id.');
  } catch (e) {
    status(`Could not reach the server: ${e instanceof Error ? e.message : String(e)}`, true);
  }
}

$('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  fragment.set('token', $<HTMLInputElement>('token').value.trim());
  location.hash = fragment.toString();
  location.reload();
});
$('copy').addEventListener('click', () => void navigator.clipboard?.writeText(messages.at(-1) ?? ''));
void start();
