/**
 * hearthd's command line as data: the same table renders `hearthd --help`,
 * is node:util parseArgs's option table, and becomes the OPTIONS of hearthd(8), so the
 * three cannot drift apart.
 */

export interface DaemonOptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Placeholder for a string option's value: --config-dir DIR. */
  valueName?: string;
  description: string;
}

export const HEARTHD_OPTIONS = {
  'config-dir': { type: 'string', valueName: 'DIR', description: 'services/, init.d/, xinetd.conf, xinetd.d/, inetd.conf, crontab, hearth.toml' },
  'state-dir': { type: 'string', valueName: 'DIR', description: 'enablement and other persistent state' },
  'runtime-dir': { type: 'string', valueName: 'DIR', description: 'control socket (hearth.sock), web GUI token and other runtime files' },
  'log-dir': { type: 'string', valueName: 'DIR', description: 'service logs and hearthd\'s own' },
  runlevel: { type: 'string', valueName: 'N', description: 'runlevel to enter (default: hearth.toml\'s, else 3)' },
  'web-listen': { type: 'string', valueName: 'ADDR', description: 'web GUI address, HOST:PORT or "off" (default: hearth.toml\'s [web] listen)' },
  quiet: { type: 'boolean', description: 'do not echo events to stdout' },
  help: { type: 'boolean', short: 'h', description: 'this text' },
  version: { type: 'boolean', description: 'print the version' },
} as const satisfies Record<string, DaemonOptionSpec>;

export const HEARTHD_SYNOPSIS = 'hearthd [--config-dir DIR] [--state-dir DIR] [--runtime-dir DIR] [--log-dir DIR] [--runlevel N] [--web-listen ADDR] [--quiet]';

export const HEARTHD_SUMMARY = 'Runs the hearth daemon in the foreground.';

/** Paragraphs after the options, in --help and in the man page. */
export const HEARTHD_NOTES: readonly string[] = [
  'Defaults: as root /etc/hearth, /var/lib/hearth, /run/hearth, /var/log/hearth; otherwise directories under your own config, state and runtime dirs.',
  'Signals: HUP reloads the config; TERM or INT stops every service, then exits 0.',
];

/** The option's flag as help shows it: "-h, --help", "--config-dir DIR". */
export function flagText(name: string, spec: DaemonOptionSpec): string {
  return `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.type === 'string' ? ` ${spec.valueName ?? 'VALUE'}` : ''}`;
}

/** Greedy word wrap for the notes (the man page lets troff fill them instead). */
function wrap(text: string, width = 80): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return line ? [...lines, line] : lines;
}

export function hearthdUsage(): string {
  const rows = Object.entries(HEARTHD_OPTIONS).map(([name, spec]) => [flagText(name, spec), spec.description] as const);
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return [
    `usage: ${HEARTHD_SYNOPSIS}`,
    '',
    HEARTHD_SUMMARY,
    '',
    ...rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`),
    '',
    ...HEARTHD_NOTES.flatMap((note) => wrap(note)),
  ].join('\n');
}
