import type { Command, OptionSpec } from './command.js';

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  socket: { type: 'string', valueName: 'PATH', description: 'control socket of hearthd (default: $HEARTH_SOCKET, else the runtime dir\'s hearth.sock)' },
  json: { type: 'boolean', description: 'machine-readable output' },
  help: { type: 'boolean', short: 'h', description: 'show help' },
  version: { type: 'boolean', description: 'print hearth\'s version' },
};

function optionLines(options: Record<string, OptionSpec>): string[] {
  const rows = Object.entries(options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.valueName ?? 'VALUE'}` : ''}`;
    return [flag, o.description] as const;
  });
  const width = Math.max(0, ...rows.map(([f]) => f.length));
  return rows.map(([f, d]) => `  ${f.padEnd(width)}  ${d}`);
}

export function commandHelp(cmd: Command, program = 'hearth'): string {
  const lines = [`usage: ${program} ${cmd.usage}`, '', cmd.summary];
  if (cmd.description) lines.push('', cmd.description);
  if (cmd.options && Object.keys(cmd.options).length > 0) lines.push('', 'options:', ...optionLines(cmd.options));
  lines.push('', 'global options:', ...optionLines(GLOBAL_OPTIONS));
  return lines.join('\n');
}

export function overview(commands: readonly Command[], program = 'hearth'): string {
  const shown = commands.filter((c) => !c.hidden);
  const width = Math.max(...shown.map((c) => c.name.length));
  return [
    `usage: ${program} [--socket PATH] [--json] COMMAND [ARGS…]`,
    '',
    'hearth talks to hearthd, the daemon manager, over its control socket.',
    '',
    'commands:',
    ...shown.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    `"${program} help COMMAND" or "${program} COMMAND --help" tells more about one command.`,
    'exit codes: 0 ok, 1 failed (or hearthd unreachable), 2 usage error; status: 3 not running, 4 unknown service.',
  ].join('\n');
}
