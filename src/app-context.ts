// The shared context every entry point (stdio, HTTP, CLI) builds once from the Config: the twin
// service, the configured roots and a logger that writes to stderr (stdout belongs to MCP or to
// command output).
import type { Config } from './config.js';
import type { TwinServiceApi } from './twin/twin-service-api.js';

export type Log = (msg: string) => void;

export const stderrLog: Log = (msg) => {
  process.stderr.write(msg.endsWith('\n') ? msg : `${msg}\n`);
};

export interface AppContext {
  config: Config;
  twins: TwinServiceApi;
  /** Configured roots; an MCP session's client roots narrow them (or, on stdio without TWINSEG_ROOTS, replace them). */
  roots: readonly string[];
  log: Log;
  close(): Promise<void>;
}

export interface AppDeps {
  /** A ready twin service (tests pass a fake); otherwise the real one is created. */
  twins?: TwinServiceApi & { close?(): Promise<void> };
  log?: Log;
}

export async function createAppContext(config: Config, deps: AppDeps = {}): Promise<AppContext> {
  const log = deps.log ?? stderrLog;
  // Imported lazily so that fakes, --help and admin commands never load onnxruntime.
  const twins = deps.twins ?? (await (await import('./twin/twin-service.js')).createTwinService(config, { log }));
  return {
    config,
    twins,
    roots: config.roots,
    log,
    close: async () => {
      await twins.close?.();
    },
  };
}
