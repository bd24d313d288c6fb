// What every tool receives: the app context plus what belongs to its own MCP session (its roots and the
// twins it has seen).
import type { AppContext } from '../app-context.js';
import type { RootsSource } from '../roots/session-roots.js';
import type { SessionTwins } from './session-twins.js';

export interface ToolContext {
  config: AppContext['config'];
  twins: AppContext['twins'];
  log: AppContext['log'];
  roots: RootsSource;
  session: SessionTwins;
}
