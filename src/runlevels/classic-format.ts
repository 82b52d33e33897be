/** Output of service(8) --status-all and runlevel(8), as the Debian/sysvinit tools print it. */

export type StatusAllState = 'running' | 'stopped' | 'unknown';

/**
 * One `service --status-all` line. Debian's service prints `[ ? ]` (a script
 * without a usable status action) on stderr and the others on stdout.
 */
export function formatStatusAllLine(name: string, state: StatusAllState): { stream: 'stdout' | 'stderr'; text: string } {
  const mark = state === 'running' ? '+' : state === 'stopped' ? '-' : '?';
  return { stream: state === 'unknown' ? 'stderr' : 'stdout', text: ` [ ${mark} ]  ${name}\n` };
}

/**
 * How service(8) classifies a script's `status` run: output mentioning
 * "usage:" means the script has no status action; exit 0 with some output is
 * running; anything else is not running.
 */
export function statusAllStateOf(exitCode: number | null, output: string): StatusAllState {
  if (/usage:/i.test(output)) return 'unknown';
  return exitCode === 0 && output.length > 0 ? 'running' : 'stopped';
}

/** `runlevel` output: previous (N when none) and current, e.g. "N 3\n"; "unknown\n" when there is no current level. */
export function formatRunlevel(previous: number | null, current: number | null): string {
  if (current === null) return 'unknown\n';
  return `${previous === null ? 'N' : previous} ${current}\n`;
}
