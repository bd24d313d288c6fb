// Every `twinseg` command, in the order `twinseg --help` lists them. A new command is a file beside
// this one exporting a CliCommand, plus one line here.
import { buildCommand } from './build-command.js';
import { callCommand } from './call-command.js';
import type { CliCommand } from './cli-io.js';
import { demoCommand } from './demo-command.js';
import { doctorCommand } from './doctor-command.js';
import { evalCommand } from './eval-command.js';
import { maskCommand } from './mask-command.js';
import { mcpConfigCommand } from './mcp-config-command.js';
import { modelsCommand } from './models-command.js';
import { serveCommand } from './serve-command.js';
import { tritonRepoCommand } from './triton-repo-command.js';
import { viewCommand } from './view-command.js';

export const COMMANDS: readonly CliCommand[] = [
  demoCommand,
  serveCommand,
  viewCommand,
  buildCommand,
  maskCommand,
  callCommand,
  evalCommand,
  mcpConfigCommand,
  modelsCommand,
  doctorCommand,
  tritonRepoCommand,
];
