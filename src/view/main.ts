// The twin view's entry point: connects to the host as an MCP App and shows the twin each tool result
// names. The host sends the result of the call that opened the view (build_digital_twin, segment or
// get_mask); the view reads that twin's outlines and photo through the host, so nothing is built twice.
import { App, applyDocumentTheme, applyHostStyleVariables, type McpUiHostContext } from '@modelcontextprotocol/ext-apps';
import { HostLink } from './host-link.js';
import { parseToolResult } from './twin-model.js';
import { TwinView } from './twin-view.js';

const app = new App({ name: 'twinseg-twin-view', version: '1.0.0' }, {}, { autoResize: true });
const link = new HostLink(app);
const view = new TwinView(link);

function applyTheme(ctx: McpUiHostContext | undefined): void {
  if (ctx?.theme) applyDocumentTheme(ctx.theme);
  if (ctx?.styles?.variables) applyHostStyleVariables(ctx.styles.variables);
}

/** The reply's own picture, for hosts that relay no resource reads (build replies carry the marks picture). */
function pictureOf(result: { content?: unknown[] }): string | undefined {
  const block = result.content?.find(
    (c): c is { type: 'image'; data: string; mimeType: string } => (c as { type?: string }).type === 'image',
  );
  return block ? `data:${block.mimeType};base64,${block.data}` : undefined;
}

// Handlers go in before connect(): the host may send the result as soon as the handshake is done.
app.ontoolinput = () => view.status('Waiting for the tool to finish…');
app.ontoolcancelled = () => view.status('The tool call was cancelled.', true);
app.ontoolresult = (result) => {
  const news = parseToolResult(result);
  if (!news) {
    view.status('The tool call failed, so there is no twin to show.', true);
    return;
  }
  const structured = result.structuredContent as { twin?: unknown } | undefined;
  void view.showNews(news, { fallback: { twin: structured?.twin, picture: pictureOf(result) } });
};
app.onhostcontextchanged = (ctx) => applyTheme(ctx);

app.connect().then(
  () => applyTheme(app.getHostContext()),
  (e: unknown) => view.status(`Could not connect to the host: ${e instanceof Error ? e.message : String(e)}`, true),
);
