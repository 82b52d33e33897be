import type { Command } from '../command.js';

/**
 * systemctl, for systemd units and every other unit hearthd runs: start stop
 * restart reload try-restart reload-or-restart status is-active is-enabled
 * is-failed enable disable mask unmask list-units list-unit-files
 * list-timers list-sockets cat show daemon-reload reset-failed kill isolate,
 * with systemctl's output and exit codes. Evaluated by hearthd (where the
 * units and their files are); this only prints.
 */
export const systemctl: Command = {
  name: 'systemctl',
  summary: 'systemctl for systemd units and every other unit: start, status, enable, list-units, cat, show …',
  usage: 'systemctl [OPTIONS…] COMMAND [UNIT…]',
  description:
    'Verbs: start stop restart reload try-restart reload-or-restart status is-active is-enabled is-failed enable disable mask unmask\n' +
    'list-units list-unit-files list-timers list-sockets cat show daemon-reload reset-failed kill isolate get-default.\n' +
    'Options: --now, --all, --type, --state, -p/--property, --value, -q, --no-pager, --no-legend, --signal, --kill-whom, -n.\n' +
    'Exit codes are systemctl\'s: status 3 for an inactive unit and 4 for an unknown one, is-active 3, a failed job 1. --user is refused.',
  rawArgs: true,
  async run(ctx) {
    const r = await ctx.client().systemctl(ctx.rawArgs);
    ctx.out.raw(r.stdout, r.stderr);
    return r.exitCode;
  },
};
