/**
 * What shell completion knows, taken from the command registry (the same
 * table `hearth help` prints), so the completion scripts for bash, zsh and
 * fish never offer a verb or flag hearth does not have. Service names are
 * not in here: the scripts ask a running hearthd (`hearth __complete services`).
 */
import type { Command, OptionSpec } from '../command.js';
import { GLOBAL_OPTIONS } from '../help-text.js';

/** What a command's positional arguments are. */
export type ArgKind = 'services' | 'catalog' | 'commands' | 'runlevels' | 'none';

export interface CompletionFlag {
  long: string;
  short?: string;
  takesValue: boolean;
  description: string;
}

export interface CompletionCommand {
  name: string;
  aliases: string[];
  summary: string;
  /** The command's flags; global ones too, except for commands with their own syntax (chkconfig). */
  flags: CompletionFlag[];
  /** Fixed words the usage spells out (analyze blame, chkconfig on|off). */
  words: string[];
  args: ArgKind;
  /** Words for the second positional argument (service NAME ACTION). */
  secondWords: string[];
}

export interface CompletionSpec {
  program: string;
  globals: CompletionFlag[];
  commands: CompletionCommand[];
}

function flagsOf(options: Record<string, OptionSpec>): CompletionFlag[] {
  return Object.entries(options).map(([long, o]) => ({
    long,
    ...(o.short ? { short: o.short } : {}),
    takesValue: o.type === 'string',
    description: o.description,
  }));
}

/** Commands with their own syntax (chkconfig) write their flags only in the usage line. */
function usageFlags(usage: string): CompletionFlag[] {
  const tokens = usage.split(/\s+/);
  const flags = new Map<string, CompletionFlag>();
  tokens.forEach((token, i) => {
    const m = /^\[?--([a-z][a-z-]*)\]?$/.exec(token);
    if (!m || flags.has(m[1]!)) return;
    const next = tokens[i + 1]?.replace(/\]+$/, '') ?? '';
    const takesValue = !token.endsWith(']') && (/^[A-Z]+$/.test(next) || /^[a-z]+(\|[a-z]+)+$/.test(next));
    flags.set(m[1]!, { long: m[1]!, takesValue, description: '' });
  });
  return [...flags.values()];
}

function usageWords(cmd: Command): string[] {
  const words = cmd.usage
    .split(/[\s[\]|]+/)
    .slice(1)
    .filter((w) => /^[a-z][a-z-]*$/.test(w) && w !== cmd.name && !cmd.aliases?.includes(w));
  return [...new Set(words)];
}

function argKind(cmd: Command): ArgKind {
  if (cmd.name === 'help') return 'commands';
  if (cmd.name === 'init') return 'runlevels';
  if (!/\bNAME\b/.test(cmd.usage)) return 'none';
  return cmd.name === 'catalog' ? 'catalog' : 'services';
}

export function completionSpec(commands: readonly Command[], secondWords: Record<string, readonly string[]> = {}): CompletionSpec {
  return {
    program: 'hearth',
    globals: flagsOf(GLOBAL_OPTIONS),
    commands: commands
      .filter((c) => !c.hidden)
      .map((cmd) => ({
        name: cmd.name,
        aliases: cmd.aliases ?? [],
        summary: cmd.summary,
        flags: cmd.rawArgs ? usageFlags(cmd.usage) : [...flagsOf(cmd.options ?? {}), ...flagsOf(GLOBAL_OPTIONS)],
        words: usageWords(cmd),
        args: argKind(cmd),
        secondWords: [...(secondWords[cmd.name] ?? [])],
      })),
  };
}

/** Every flag spelling of a command (with the global ones), for word lists. */
export function flagWords(flags: readonly CompletionFlag[]): string[] {
  return flags.flatMap((f) => [`--${f.long}`, ...(f.short ? [`-${f.short}`] : [])]);
}
