import type { HearthClient } from '../client/index.js';
import type { Output } from './output.js';

/** One option of a command, in node:util parseArgs terms plus help text. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  description: string;
  /** Placeholder shown in help for string options: --since TIME. */
  valueName?: string;
}

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

/** Everything a command may touch: no globals, so tests can run commands in-process. */
export interface CommandContext {
  /** Positional arguments after the command name. */
  args: string[];
  /** Parsed options (globals included). */
  values: OptionValues;
  /** The arguments exactly as given, for commands with their own syntax (chkconfig). */
  rawArgs: string[];
  /** Name the user invoked: "hearth", or a personality such as "chkconfig". */
  programName: string;
  json: boolean;
  out: Output;
  env: Record<string, string | undefined>;
  cwd: string;
  socketPath: string;
  /** The control API client, created on first use. */
  client(): HearthClient;
  /** Aborted on Ctrl-C: long-running commands (logs -f) end cleanly. */
  signal: AbortSignal;
  /** Reads a secret (no echo at a terminal); fails when there is no input to read from. */
  readSecret(prompt: string): Promise<string>;
  /** The registered commands, for help. */
  commands: readonly Command[];
}

/**
 * The shape every command shares. run() returns the exit code; it throws
 * HearthError for failures the runner renders as one line.
 */
export interface Command {
  name: string;
  /** Other names that reach the same command. */
  aliases?: string[];
  summary: string;
  /** Synopsis after the program name, e.g. "status NAME… [--json]". */
  usage: string;
  /** Longer help shown by `hearth help NAME`. */
  description?: string;
  options?: Record<string, OptionSpec>;
  /** Skip hearth's option parsing: run() reads ctx.rawArgs (compat personalities). */
  rawArgs?: boolean;
  /** Hidden from `hearth help`'s list (personalities' internals). */
  hidden?: boolean;
  run(ctx: CommandContext): Promise<number>;
}
