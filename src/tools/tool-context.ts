// What every tool receives: the app context plus the roots of its own MCP session.
import type { AppContext } from '../app-context.js';
import type { RootsSource } from '../roots/session-roots.js';

export interface ToolContext {
  config: AppContext['config'];
  twins: AppContext['twins'];
  log: AppContext['log'];
  roots: RootsSource;
}
