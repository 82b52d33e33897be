import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HearthClient, resolveSocketPath } from '../client/index.js';
import { HearthError, describeError } from '../errors/index.js';
import { didYouMean } from '../model/index.js';
import type { Command, CommandContext, OptionSpec, OptionValues } from './command.js';
import { EXIT } from './exit-codes.js';
import { GLOBAL_OPTIONS, commandHelp, overview } from './help-text.js';
import { Output, type CliIo } from './output.js';
import { COMMANDS, PERSONALITIES, findCommand } from './registry.js';

export interface RunCliOptions {
  /** argv[1] of the process: a symlink named after a personality selects it. */
  argv0?: string;
  /** Registered commands; tests may pass their own. */
  commands?: readonly Command[];
}

export function hearthVersion(): string {
  try {
    // src/cli and dist/cli both sit two levels below the package root.
    const url = new URL('../../package.json', import.meta.url);
    return (JSON.parse(readFileSync(fileURLToPath(url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function usageError(message: string, hint?: string): HearthError {
  return new HearthError('ERR_USAGE', message, hint ? { hint } : {});
}

/** Leading global options before the command name: --socket PATH, --json, --help, --version. */
function splitGlobals(argv: string[]): { globals: OptionValues; command: string | undefined; rest: string[] } {
  const globals: OptionValues = {};
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') break;
    if (a === '--json') globals.json = true;
    else if (a === '--help' || a === '-h') globals.help = true;
    else if (a === '--version' || a === '-V') globals.version = true;
    else if (a === '--socket') {
      const v = argv[++i];
      if (v === undefined) throw usageError('option "--socket" needs a PATH');
      globals.socket = v;
    } else if (a.startsWith('--socket=')) globals.socket = a.slice('--socket='.length);
    else {
      const hint = didYouMean(a.replace(/^-+/, ''), Object.keys(GLOBAL_OPTIONS));
      throw usageError(`unknown option "${a}"`, hint ? hint.replace(/"(.*)"/, '"--$1"') : 'options of a command go after its name');
    }
  }
  return { globals, command: argv[i], rest: argv.slice(i + 1) };
}

function parseCommandArgs(cmd: Command, args: string[]): { values: OptionValues; positionals: string[] } {
  const specs: Record<string, OptionSpec> = { ...GLOBAL_OPTIONS, ...(cmd.options ?? {}) };
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, o] of Object.entries(specs)) {
    options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  }
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: values as OptionValues, positionals };
  } catch (e) {
    const raw = e instanceof Error ? e.message : String(e);
    // parseArgs says "Unknown option '--jsn'. To specify a positional…": keep the first sentence.
    const bad = /'(-{1,2}[^']+)'/.exec(raw)?.[1];
    const known = Object.keys(specs);
    const hint = bad && /Unknown option/.test(raw) ? didYouMean(bad.replace(/^-+/, ''), known) : undefined;
    throw usageError(
      `${cmd.name}: ${raw.split('. ')[0]!.replace(/\.$/, '')}`,
      hint ? hint.replace(/"(.*)"/, '"--$1"') : `see "hearth ${cmd.name} --help"`,
    );
  }
}

/**
 * Runs one CLI invocation and returns its exit code. Nothing here prints except
 * through `io` and nothing exits the process: src/main/hearth.ts does that.
 */
export async function runCli(argv: string[], io: CliIo, options: RunCliOptions = {}): Promise<number> {
  const out = new Output(io);
  const commands = options.commands ?? COMMANDS;
  const env = io.env ?? {};
  const invokedAs = options.argv0 ? basename(options.argv0) : 'hearth';
  let programName = 'hearth';

  try {
    let cmd: Command | undefined;
    let globals: OptionValues = {};
    let rest: string[];

    // Invoked as chkconfig/service/telinit/runlevel through a symlink: that
    // personality gets the whole command line in its own syntax.
    const personality = PERSONALITIES[invokedAs];
    const personalityCmd = personality ? findCommand(personality, commands) : undefined;
    if (personalityCmd) {
      cmd = personalityCmd;
      programName = invokedAs;
      rest = argv;
    } else {
      const split = splitGlobals(argv);
      globals = split.globals;
      rest = split.rest;
      if (split.command === undefined) {
        if (globals.version) {
          out.line(`hearth ${hearthVersion()}`);
          return EXIT.OK;
        }
        if (globals.help) {
          out.line(overview(commands));
          return EXIT.OK;
        }
        out.error(overview(commands));
        return EXIT.USAGE;
      }
      cmd = findCommand(split.command, commands);
      if (!cmd) {
        const names = commands.filter((c) => !c.hidden).flatMap((c) => [c.name, ...(c.aliases ?? [])]);
        const hint = didYouMean(split.command, names);
        throw usageError(`unknown command "${split.command}"`, hint ?? 'see "hearth help" for the list');
      }
    }

    let values: OptionValues = { ...globals };
    let positionals: string[] = [];
    if (!cmd.rawArgs) {
      const parsed = parseCommandArgs(cmd, rest);
      values = { ...globals, ...parsed.values };
      positionals = parsed.positionals;
      if (values.help) {
        out.line(commandHelp(cmd));
        return EXIT.OK;
      }
      if (values.version) {
        out.line(`hearth ${hearthVersion()}`);
        return EXIT.OK;
      }
    }

    const socketPath = resolveSocketPath({ flag: values.socket as string | undefined, env });
    let client: HearthClient | undefined;
    const ctx: CommandContext = {
      args: positionals,
      values,
      rawArgs: rest,
      programName,
      json: values.json === true,
      out,
      env,
      cwd: io.cwd ?? process.cwd(),
      socketPath,
      client: () => (client ??= new HearthClient({ socketPath })),
      signal: io.signal ?? new AbortController().signal,
      readSecret: io.readSecret ?? (() => Promise.reject(new HearthError('ERR_USAGE', 'no input to read a secret from'))),
      commands,
    };
    return await cmd.run(ctx);
  } catch (e) {
    if (e instanceof HearthError) {
      out.error(`${programName}: ${e.toString()}`);
      return e.code === 'ERR_USAGE' ? EXIT.USAGE : EXIT.FAILURE;
    }
    out.error(`${programName}: internal error: ${describeError(e)}`);
    if (env.HEARTH_DEBUG && e instanceof Error && e.stack) out.error(e.stack);
    return EXIT.FAILURE;
  }
}
