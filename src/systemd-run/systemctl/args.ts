/**
 * systemctl's command line: a verb, unit names and options in systemctl's
 * spelling (short and long, "--opt=value" and "--opt value", anywhere on
 * the line). Unknown options are refused in systemctl's words.
 */

export interface SystemctlOptions {
  all: boolean;
  types: string[];
  states: string[];
  properties: string[];
  value: boolean;
  quiet: boolean;
  noLegend: boolean;
  now: boolean;
  force: boolean;
  signal: string;
  killWhom: 'all' | 'main' | 'control';
  lines: number;
  user: boolean;
  failed: boolean;
}

export type SystemctlParse = { ok: true; verb: string; args: string[]; options: SystemctlOptions } | { ok: false; message: string; exitCode: number };

const FLAGS: Record<string, keyof SystemctlOptions | 'ignore'> = {
  '-a': 'all', '--all': 'all', '--value': 'value', '-q': 'quiet', '--quiet': 'quiet', '--no-legend': 'noLegend', '--now': 'now',
  '-f': 'force', '--force': 'force', '--user': 'user', '--failed': 'failed',
  '--no-pager': 'ignore', '--no-block': 'ignore', '--plain': 'ignore', '-l': 'ignore', '--full': 'ignore', '--system': 'ignore',
  '--no-ask-password': 'ignore', '--no-reload': 'ignore', '--no-warn': 'ignore', '-r': 'ignore', '--recursive': 'ignore',
};
const VALUED: Record<string, 'types' | 'states' | 'properties' | 'signal' | 'killWhom' | 'lines' | 'ignore'> = {
  '-t': 'types', '--type': 'types', '--state': 'states', '-p': 'properties', '--property': 'properties', '-P': 'properties',
  '-s': 'signal', '--signal': 'signal', '--kill-whom': 'killWhom', '--kill-who': 'killWhom', '-n': 'lines', '--lines': 'lines', '-o': 'ignore', '--output': 'ignore',
  '--job-mode': 'ignore', '--what': 'ignore',
};

export function parseSystemctlArgs(argv: readonly string[]): SystemctlParse {
  const options: SystemctlOptions = {
    all: false, types: [], states: [], properties: [], value: false, quiet: false, noLegend: false, now: false, force: false,
    signal: 'SIGTERM', killWhom: 'all', lines: 10, user: false, failed: false,
  };
  const words: string[] = [];
  const bad = (message: string): SystemctlParse => ({ ok: false, message, exitCode: 1 });
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      words.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      words.push(a);
      continue;
    }
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const key = eq > 0 ? a.slice(0, eq) : a.length > 2 && !a.startsWith('--') && VALUED[a.slice(0, 2)] ? a.slice(0, 2) : a;
    const flag = FLAGS[key];
    if (flag !== undefined) {
      if (eq > 0) return bad(`systemctl: option '${key}' doesn't allow an argument`);
      if (flag !== 'ignore') (options[flag] as boolean) = true;
      continue;
    }
    const valued = VALUED[key];
    if (valued === undefined) return bad(a.startsWith('--') ? `systemctl: unrecognized option '${a}'` : `systemctl: invalid option -- '${a.slice(1, 2)}'`);
    let value: string | undefined = eq > 0 ? a.slice(eq + 1) : key !== a ? a.slice(2) : argv[++i];
    if (value === undefined) return bad(`systemctl: option '${key}' requires an argument`);
    if (key === '-P') options.value = true;
    if (valued === 'ignore') continue;
    if (valued === 'types' || valued === 'states' || valued === 'properties') options[valued].push(...value.split(',').filter(Boolean));
    else if (valued === 'signal') options.signal = /^\d+$/.test(value) ? value : value.toUpperCase().startsWith('SIG') ? value.toUpperCase() : `SIG${value.toUpperCase()}`;
    else if (valued === 'killWhom') {
      if (value !== 'all' && value !== 'main' && value !== 'control') return bad(`Failed to parse kill-whom: ${value}`);
      options.killWhom = value;
    } else if (valued === 'lines') {
      if (!/^\d+$/.test(value)) return bad(`Failed to parse lines '${value}'`);
      options.lines = Number(value);
    }
    value = undefined;
  }
  // --type=service,socket may also carry load states (systemctl accepts both in --type and --state).
  const [verb = 'list-units', ...args] = words;
  return { ok: true, verb, args, options };
}
