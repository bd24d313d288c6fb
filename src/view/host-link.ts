// Everything the view asks of the host, through the MCP Apps SDK's App: twin resources read through the
// host (resources/read), `segment` called through the host (tools/call), and the person's choice handed
// to the conversation (ui/message, ui/update-model-context). The view never fetches anything itself: its
// CSP allows no connections, and the host decides what reaches the server.
import type { App } from '@modelcontextprotocol/ext-apps';
import { selectionContext, selectionMessage } from './choices.js';
import { errorText, parseToolResult, parseTwin, type ToolNews, type ViewTwin } from './twin-model.js';

export const TWIN_URI = (id: string): string => `twin://${encodeURIComponent(id)}`;
export const PHOTO_URI = (id: string): string => `${TWIN_URI(id)}/photo.jpg`;

type ResourceContent = { mimeType?: string; text?: string; blob?: string };

export class HostLink {
  /** Photos by base twin: every revision of a twin shows the same image. */
  private readonly photos = new Map<string, string>();

  constructor(private readonly app: App) {}

  /** Hosts say what they relay; a missing capability disables the button that needs it. */
  can(what: 'call' | 'message' | 'context'): boolean {
    const caps = this.app.getHostCapabilities();
    if (what === 'call') return caps?.serverTools !== undefined;
    if (what === 'message') return caps?.message !== undefined;
    return caps?.updateModelContext !== undefined;
  }

  private async read(uri: string): Promise<ResourceContent> {
    const r = await this.app.readServerResource({ uri });
    const first = r.contents[0] as ResourceContent | undefined;
    if (!first) throw new Error(`${uri} came back empty.`);
    return first;
  }

  /** The twin with every object's outline (twin://{id}). */
  async twin(id: string): Promise<ViewTwin> {
    const c = await this.read(TWIN_URI(id));
    if (typeof c.text !== 'string') throw new Error(`${TWIN_URI(id)} is not JSON text.`);
    return parseTwin(JSON.parse(c.text));
  }

  /** The twin's photo without marks, as a data: URL (the only kind of image the host's CSP admits). */
  async photo(twin: ViewTwin): Promise<string> {
    const kept = this.photos.get(twin.base);
    if (kept) return kept;
    const c = await this.read(PHOTO_URI(twin.id));
    if (typeof c.blob !== 'string') throw new Error(`${PHOTO_URI(twin.id)} holds no picture.`);
    const url = `data:${c.mimeType ?? 'image/jpeg'};base64,${c.blob}`;
    this.photos.set(twin.base, url);
    return url;
  }

  /** Calls `segment`; a tool error becomes an Error carrying the server's message. */
  async segment(args: Record<string, unknown>): Promise<ToolNews> {
    const result = await this.app.callServerTool({ name: 'segment', arguments: args });
    const news = parseToolResult(result);
    if (!news) throw new Error(errorText(result));
    return news;
  }

  /** Puts the choice in the model's context and into the conversation; says what the host took. */
  async sendSelection(twin: ViewTwin, ids: readonly number[]): Promise<string> {
    const text = selectionMessage(twin, ids);
    const done: string[] = [];
    if (this.can('context')) {
      await this.app.updateModelContext({ content: [{ type: 'text', text }], structuredContent: selectionContext(twin, ids) });
      done.push('the model’s context');
    }
    if (this.can('message')) {
      const r = await this.app.sendMessage({ role: 'user', content: [{ type: 'text', text }] });
      if (r.isError) throw new Error('The host did not take the message.');
      done.push('the conversation');
    }
    return done.length ? `Sent to ${done.join(' and ')}: ${text}` : `This host takes no messages from views; tell the model: ${text}`;
  }
}
