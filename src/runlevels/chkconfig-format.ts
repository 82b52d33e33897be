/**
 * chkconfig's output, byte for byte: scripts parse it (`chkconfig --list |
 * grep 3:on`), so the tabs and the %-15s padding matter.
 */
import type { LevelFlags } from './levels.js';

/**
 * `name           \t0:off\t1:off\t2:on…\t6:off\n`. A script on in the boot
 * level S gets an eighth column `\tS:on`: Red Hat's chkconfig has no S, and
 * seven "off" would say the script never runs; every other line stays byte
 * for byte what chkconfig prints.
 */
export function formatChkconfigLine(name: string, levels: LevelFlags, boot = false): string {
  let line = name.padEnd(15);
  for (let i = 0; i < 7; i++) line += `\t${i}:${levels[i] ? 'on' : 'off'}`;
  return `${line}${boot ? '\tS:on' : ''}\n`;
}

/** `chkconfig --list NAME` for an xinetd service: `name           \ton\n`. */
export function formatChkconfigXinetdLine(name: string, on: boolean): string {
  return `${name.padEnd(15)}\t${on ? 'on' : 'off'}\n`;
}

/** The section `chkconfig --list` appends when xinetd is enabled. */
export function formatXinetdSection(services: readonly { name: string; on: boolean }[]): string {
  const sorted = [...services].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let out = '\nxinetd based services:\n';
  for (const s of sorted) out += `\t${`${s.name}:`.padEnd(15)}\t${s.on ? 'on' : 'off'}\n`;
  return out;
}

export const chkconfigMessages = {
  notReferenced: (name: string) =>
    `service ${name} supports chkconfig, but is not referenced in any runlevel (run 'chkconfig --add ${name}')\n`,
  noSupport: (name: string) => `service ${name} does not support chkconfig\n`,
  unknown: (name: string) => `error reading information on service ${name}: No such file or directory\n`,
};
