import { existsSync, statSync } from 'node:fs';
import { defaultDirs, type LogQuery, type LogRecord } from '../client/index.js';
import { HearthError, isHearthError } from '../errors/index.js';
import { didYouMean } from '../model/index.js';
import type { CommandContext } from './command.js';

/** hearthd's own records live under this name; it is not in the service list. */
const DAEMON_NAME = 'hearthd';
/** How often `logs -f` looks at the files when it reads them itself. */
const FILE_POLL_MS = 250;

/** A live stream of records; close() ends it. */
export interface RecordStream extends AsyncIterable<LogRecord> {
  close(): void;
}

/** Where `hearth logs` reads from: hearthd, or the log files themselves. */
export interface LogSource {
  query(q: LogQuery): Promise<LogRecord[]>;
  follow(q: LogQuery): RecordStream;
  /** Names that are no service's (with a "did you mean" hint). */
  unknownNames(names: string[]): Promise<Array<{ name: string; hint?: string }>>;
}

/** Errors that mean "nobody listens on the socket", as opposed to "not allowed". */
const NOT_RUNNING = new Set(['ENOENT', 'ECONNREFUSED', 'ENOTSOCK', 'ENOTDIR']);

/**
 * --dir reads that log dir and never asks hearthd. Otherwise hearthd answers;
 * when it is not running the log dir is read directly ($HEARTH_LOG_DIR, else
 * the default one), as journalctl reads the journal files without journald
 * (said once on stderr).
 */
export async function chooseLogSource(ctx: CommandContext, dir: string | undefined): Promise<LogSource> {
  if (dir !== undefined) return fileSource(checkDir(dir, '--dir'));
  const client = ctx.client();
  try {
    await client.logs({ lines: 0 });
    return daemonSource(ctx);
  } catch (e) {
    const code = isHearthError(e) ? (e.cause as NodeJS.ErrnoException | undefined)?.code : undefined;
    if (!isHearthError(e) || e.code !== 'ERR_DAEMON_UNREACHABLE' || code === undefined || !NOT_RUNNING.has(code)) throw e;
    const fallback = ctx.env.HEARTH_LOG_DIR || defaultDirs(process.getuid?.() ?? 1000, ctx.env).logDir;
    if (!existsSync(fallback)) {
      throw new HearthError('ERR_DAEMON_UNREACHABLE', `${e.message}, and there is no log dir at "${fallback}" to read instead`, {
        hint: 'start hearthd, or name the log dir with --dir LOG_DIR',
        cause: e,
      });
    }
    ctx.out.error(`${ctx.programName}: hearthd is not running; reading the log files in "${fallback}"`);
    return fileSource(checkDir(fallback, 'the default log dir'));
  }
}

function checkDir(dir: string, what: string): string {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (e) {
    throw new HearthError('ERR_USAGE', `cannot read ${what} "${dir}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (!isDir) throw new HearthError('ERR_USAGE', `${what} "${dir}" is not a directory`);
  return dir;
}

function daemonSource(ctx: CommandContext): LogSource {
  return {
    query: (q) => ctx.client().logs(q),
    follow: (q) => ctx.client().followLogs(q),
    unknownNames: async (names) => unknown(names, (await ctx.client().list()).map((s) => s.name)),
  };
}

function fileSource(dir: string): LogSource {
  return {
    async query(q) {
      const { readJournal } = await import('../journal/index.js');
      return readJournal(dir, q);
    },
    follow: (q) => followFiles(dir, q),
    async unknownNames(names) {
      const { journalServices } = await import('../journal/index.js');
      return unknown(names, journalServices(dir));
    },
  };
}

function unknown(names: string[], known: string[]): Array<{ name: string; hint?: string }> {
  const set = new Set([...known, DAEMON_NAME]);
  return names
    .filter((n) => !set.has(n))
    .map((name) => {
      const hint = didYouMean(name, set);
      return hint ? { name, hint } : { name };
    });
}

/** The backlog (q.lines of it) up to where the files end now, then what is appended, until close(). */
function followFiles(dir: string, q: LogQuery): RecordStream {
  const queue: LogRecord[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  let stopFollower: (() => void) | undefined;
  const push = (r: LogRecord): void => {
    queue.push(r);
    wake?.();
  };
  const started = import('../journal/index.js').then(async ({ JournalFileFollower, readJournal }) => {
    const follower = new JournalFileFollower(dir, q, push);
    const upTo = follower.snapshot();
    const backlog = q.lines === undefined || q.lines > 0 ? await readJournal(dir, q, upTo) : [];
    for (const r of backlog) push(r);
    if (closed) return;
    follower.start(FILE_POLL_MS);
    stopFollower = () => follower.stop();
  });
  return {
    close() {
      closed = true;
      stopFollower?.();
      wake?.();
    },
    async *[Symbol.asyncIterator]() {
      await started;
      while (!closed || queue.length > 0) {
        if (queue.length === 0) {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
          continue;
        }
        yield queue.shift()!;
      }
    },
  };
}
