import type { Command } from './command.js';
import { help } from './commands/help.js';
import { list } from './commands/list.js';
import { status } from './commands/status.js';
import { start } from './commands/start.js';
import { stop } from './commands/stop.js';
import { restart } from './commands/restart.js';
import { reload } from './commands/reload.js';
import { logs } from './commands/logs.js';
import { reloadConfig } from './commands/reload-config.js';
import { check } from './commands/check.js';
import { runlevel } from './commands/runlevel.js';
import { init } from './commands/init.js';
import { enable, disable } from './commands/enable.js';
import { chkconfig } from './commands/chkconfig.js';
import { service } from './commands/service.js';
import { analyze } from './commands/analyze.js';
import { webPassword } from './commands/web-password.js';
import { ntsysv } from './commands/ntsysv.js';
import { catalog } from './commands/catalog.js';
import { audit } from './commands/audit.js';
import { tree } from './commands/tree.js';
import { at, atq, atrm, batch } from './commands/at.js';
import { completion, complete } from './commands/completion.js';
import { doctor } from './commands/doctor.js';
import { systemctl } from './commands/systemctl.js';
import { journalctl } from './commands/journalctl.js';
import { fleet } from './commands/fleet/fleet.js';

/**
 * Every command, in the order `hearth help` lists them. A new command is one
 * file in commands/ plus one line here. Command modules must stay cheap to
 * import (load heavy things inside run()) so the CLI starts fast.
 */
export const COMMANDS: readonly Command[] = [
  list,
  status,
  start,
  stop,
  restart,
  reload,
  logs,
  reloadConfig,
  check,
  enable,
  disable,
  runlevel,
  init,
  chkconfig,
  service,
  systemctl,
  journalctl,
  ntsysv,
  analyze,
  catalog,
  audit,
  tree,
  doctor,
  fleet,
  at,
  batch,
  atq,
  atrm,
  webPassword,
  completion,
  help,
  complete,
];

/**
 * Program names (basename of argv[1], as when hearth is reached through a
 * symlink) that select a compat personality: the named command then receives
 * the whole command line in that tool's own syntax. Entries whose command is
 * not registered yet are ignored, so hearth behaves as plain hearth.
 */
export const PERSONALITIES: Readonly<Record<string, string>> = {
  chkconfig: 'chkconfig',
  service: 'service',
  telinit: 'init',
  runlevel: 'runlevel',
  ntsysv: 'ntsysv',
  systemctl: 'systemctl',
  journalctl: 'journalctl',
};

export function findCommand(name: string, commands: readonly Command[] = COMMANDS): Command | undefined {
  return commands.find((c) => c.name === name || c.aliases?.includes(name));
}
