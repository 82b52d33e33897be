import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { findTool } from './resolve-executable.js';

/**
 * hearthd's descriptor limit. Like systemd, hearthd runs with its soft
 * RLIMIT_NOFILE raised to the hard limit (many connections, pipes and log
 * files at once), while the services it starts get the limit hearthd itself
 * was started with: a program that still uses select() breaks with
 * descriptors past 1024.
 *
 * Node raises its own soft limit to the hard one while it starts up, before
 * any JavaScript runs, so the limit hearthd was started with can only be seen
 * from outside: bin/hearthd records it in HEARTH_NOFILE_AT_START ("SOFT:HARD",
 * as the shell's ulimit reports them). Node has no setrlimit; where the raise
 * is still missing, prlimit(1) sets it on hearthd's own pid.
 */

export type Limit = number | 'unlimited';

export interface NofileLimit {
  soft: Limit;
  hard: Limit;
}

/** Environment variable bin/hearthd sets; read once and removed, so nothing hearthd starts inherits it. */
export const NOFILE_AT_START_ENV = 'HEARTH_NOFILE_AT_START';

/** What services get when the start limit is unknown (hearthd embedded, or started without bin/hearthd). */
const SERVICE_DEFAULT_SOFT = 1024;

const parseLimit = (v: string): Limit | undefined => (v === 'unlimited' ? 'unlimited' : /^\d+$/.test(v) ? Number(v) : undefined);
const below = (a: Limit, b: Limit): boolean => b === 'unlimited' ? a !== 'unlimited' : a !== 'unlimited' && a < b;

/** The "Max open files" line of /proc/PID/limits. */
export function readNofileLimit(pid: number | 'self' = 'self'): NofileLimit {
  const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const [soft, hard] = (line ?? '').slice('Max open files'.length).trim().split(/\s+/);
  const s = parseLimit(soft ?? '');
  const h = parseLimit(hard ?? '');
  if (s === undefined || h === undefined) throw new Error(`cannot read the open files limit of ${pid} from /proc/${pid}/limits`);
  return { soft: s, hard: h };
}

let atStart: NofileLimit | undefined;

/** "SOFT:HARD" as bin/hearthd records it; undefined when absent or malformed. */
export function parseNofileRecord(text: string | undefined): NofileLimit | undefined {
  const m = /^(\d+|unlimited):(\d+|unlimited)$/.exec(text ?? '');
  return m ? { soft: parseLimit(m[1]!)!, hard: parseLimit(m[2]!)! } : undefined;
}

export interface RaisedLimit {
  /** The limit hearthd was started with (as recorded by bin/hearthd), or undefined. */
  atStart: NofileLimit | undefined;
  /** The limit hearthd runs with now. */
  now: NofileLimit;
}

/**
 * Called once, first thing at hearthd's start: remembers the start limit (and
 * removes its variable from the environment), then makes sure the soft limit
 * is the hard one. Never throws: a failure leaves the limit as it was.
 */
export function raiseNofileLimit(env: NodeJS.ProcessEnv = process.env): RaisedLimit {
  atStart ??= parseNofileRecord(env[NOFILE_AT_START_ENV]);
  delete env[NOFILE_AT_START_ENV];
  let now: NofileLimit;
  try {
    now = readNofileLimit();
  } catch {
    return { atStart, now: { soft: SERVICE_DEFAULT_SOFT, hard: SERVICE_DEFAULT_SOFT } };
  }
  const prlimit = findTool('prlimit');
  if (below(now.soft, now.hard) && prlimit) {
    const hard = String(now.hard);
    spawnSync(prlimit, [`--pid=${process.pid}`, `--nofile=${hard}:${hard}`], { stdio: 'ignore', timeout: 5000 });
    try {
      now = readNofileLimit();
    } catch {
      // keep what was read before
    }
  }
  return { atStart, now };
}

/**
 * The limit a service gets when its definition sets none: the one hearthd was
 * started with, or else a soft limit of 1024 (systemd's default for services)
 * under hearthd's hard limit.
 */
let forServices: NofileLimit | undefined;

export function serviceNofileLimit(): NofileLimit {
  if (atStart) return atStart;
  if (forServices) return forServices;
  let hard: Limit = 'unlimited';
  try {
    hard = readNofileLimit().hard;
  } catch {
    // unreadable /proc: the soft default alone still protects select()
  }
  forServices = { soft: below(SERVICE_DEFAULT_SOFT, hard) || hard === SERVICE_DEFAULT_SOFT ? SERVICE_DEFAULT_SOFT : hard, hard };
  return forServices;
}

/** The soft limit hearthd has now, as a number (unlimited counts as a very large one). */
export function currentNofileSoft(): number {
  try {
    const { soft } = readNofileLimit();
    return soft === 'unlimited' ? Number.MAX_SAFE_INTEGER : soft;
  } catch {
    return SERVICE_DEFAULT_SOFT;
  }
}
