// A small MCP Apps host for the view's tests, built on the SDK's host side. The view runs in a
// sandboxed iframe of a Chromium page, from its own origin and under the spec's default CSP (what a
// host applies when the resource declares no domains); the SDK's AppBridge runs here in Node with an
// MCP Client connected to a real twinseg server. A few lines of script in the host page carry the
// JSON-RPC messages between the iframe and the bridge. Every request the page makes outside the two
// test origins is refused and recorded, as are CSP reports.
import { AppBridge, getToolUiResourceUri, RESOURCE_MIME_TYPE } from '@modelcontextprotocol/ext-apps/app-bridge';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { CallToolResult, JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { BrowserContext, Frame, Page } from 'playwright-core';

export const HOST_ORIGIN = 'http://host.test';
export const VIEW_ORIGIN = 'http://view.test';

/** The CSP the MCP Apps spec tells hosts to apply when a resource declares no domains. */
export const DEFAULT_APP_CSP =
  "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "media-src 'self' data:; connect-src 'none'; frame-src 'none'; object-src 'none'; base-uri 'self'";

const HOST_PAGE = `<!doctype html><html><body style="margin:0">
<script>
  // View -> bridge: only messages from the view's window; bridge -> view: posted into it.
  window.addEventListener('message', (e) => {
    if (e.source === document.getElementById('view').contentWindow) window.toBridge(e.data);
  });
  window.toView = (m) => document.getElementById('view').contentWindow.postMessage(m, '*');
</script>
<iframe id="view" sandbox="allow-scripts" src="${VIEW_ORIGIN}/view.html" style="width:900px;height:760px;border:0"></iframe>
</body></html>`;

/** The bridge's end of the postMessage channel, carried by the host page. */
class PageTransport implements Transport {
  onmessage?: (message: JSONRPCMessage) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  constructor(private readonly page: Page) {}
  async start(): Promise<void> {}
  async send(message: JSONRPCMessage): Promise<void> {
    await this.page.evaluate((m) => (globalThis as unknown as { toView(m: unknown): void }).toView(m), message);
  }
  deliver(message: JSONRPCMessage): void {
    this.onmessage?.(message);
  }
  async close(): Promise<void> {
    this.onclose?.();
  }
}

// The SDK's own types for these do not resolve under NodeNext (its .d.ts files import without
// extensions), so the tests spell out what they read.
export interface ViewMessage {
  role: string;
  content: { type: string; text?: string }[];
}

export interface ViewContext {
  content?: { type: string; text?: string }[];
  structuredContent?: Record<string, unknown>;
}

export interface ViewHost {
  page: Page;
  /** The view's frame, once loaded. */
  frame: Frame;
  bridge: AppBridge;
  /** ui/message requests the view sent. */
  messages: ViewMessage[];
  /** ui/update-model-context requests the view sent. */
  contexts: ViewContext[];
  /** Requests outside the two test origins (all refused), and CSP reports from the console. */
  blocked: string[];
  cspReports: string[];
  close(): Promise<void>;
}

/**
 * Opens the view a tool names, as a host does after that tool's call: reads the ui:// resource through
 * the client, renders it, and hands it the call's arguments and result once the view is initialized.
 */
export async function openView(
  context: BrowserContext,
  client: Client,
  call: { name: string; arguments: Record<string, unknown>; result: CallToolResult },
  opts: { relayResourceReads?: boolean } = {},
): Promise<ViewHost> {
  const tool = (await client.listTools()).tools.find((t) => t.name === call.name);
  const uri = tool && getToolUiResourceUri(tool);
  if (!uri) throw new Error(`${call.name} names no view (is the client declaring MCP Apps?)`);
  const resource = (await client.readResource({ uri })).contents[0] as { mimeType?: string; text?: string };
  if (resource.mimeType !== RESOURCE_MIME_TYPE || typeof resource.text !== 'string') throw new Error(`${uri} is not an MCP App page.`);
  const html = resource.text;

  const page = await context.newPage();
  const blocked: string[] = [];
  const cspReports: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspReports.push(m.text());
  });
  await page.route('**/*', async (route) => {
    const url = route.request().url();
    if (url === `${HOST_ORIGIN}/`) return route.fulfill({ contentType: 'text/html', body: HOST_PAGE });
    if (url === `${VIEW_ORIGIN}/view.html`) {
      return route.fulfill({ contentType: 'text/html', body: html, headers: { 'content-security-policy': DEFAULT_APP_CSP } });
    }
    blocked.push(url);
    return route.abort('blockedbyclient');
  });

  const transport = new PageTransport(page);
  await page.exposeFunction('toBridge', (m: JSONRPCMessage) => transport.deliver(m));
  const bridge = new AppBridge(
    client,
    { name: 'twinseg-test-host', version: '1.0.0' },
    { serverTools: {}, serverResources: {}, logging: {}, message: { text: {} }, updateModelContext: { text: {}, structuredContent: {} } },
  );
  // Some hosts pass the view's tool calls on but not its resource reads.
  if (opts.relayResourceReads === false) {
    bridge.onreadresource = async () => {
      throw new Error('This host does not relay resource reads.');
    };
  }
  const messages: ViewHost['messages'] = [];
  const contexts: ViewHost['contexts'] = [];
  bridge.onmessage = async (params) => {
    messages.push(params as ViewMessage);
    return {};
  };
  bridge.onupdatemodelcontext = async (params) => {
    contexts.push(params as ViewContext);
    return {};
  };
  // As chat hosts do: the iframe grows to the height the view asks for.
  bridge.onsizechange = ({ height }) => {
    if (height === undefined) return;
    // A late resize may arrive as the page closes.
    void page
      .locator('#view')
      .evaluate((frame: { style: { height: string } }, h) => (frame.style.height = `${h}px`), Math.ceil(height))
      .catch(() => undefined);
  };
  const initialized = new Promise<void>((resolve) => {
    bridge.oninitialized = () => {
      void bridge.sendToolInput({ arguments: call.arguments }).then(() => bridge.sendToolResult(call.result));
      resolve();
    };
  });
  await bridge.connect(transport);
  await page.goto(`${HOST_ORIGIN}/`);
  await initialized;
  const frame = page.frames().find((f) => f.url() === `${VIEW_ORIGIN}/view.html`);
  if (!frame) throw new Error('The view frame did not load.');
  return {
    page,
    frame,
    bridge,
    messages,
    contexts,
    blocked,
    cspReports,
    close: async () => {
      await transport.close();
      await page.close();
    },
  };
}
