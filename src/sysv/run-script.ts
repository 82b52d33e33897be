/**
 * Runs an init script the way rc and service(8) did: `script ACTION` with a
 * small clean environment and `/` as working directory, in its own process
 * group so a timeout can kill the script and everything it started.
 * The argument vector is passed directly (no shell), so names never need quoting.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { HearthError } from '../errors/index.js';
import { lsbStatusMeaning, type LsbStatusMeaning } from '../model/index.js';
import { ProcessGroupBoundary, stopProcesses, type StopHandle } from '../boundary/index.js';

export const SYSV_ACTIONS = ['start', 'stop', 'restart', 'reload', 'force-reload', 'status', 'condrestart', 'try-restart'] as const;
export type SysvAction = (typeof SYSV_ACTIONS)[number];

export function isSysvAction(s: string): s is SysvAction {
  return (SYSV_ACTIONS as readonly string[]).includes(s);
}

/** The PATH rc gave scripts; nothing of the caller's environment leaks in. */
export const SYSV_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

export interface RunScriptOptions {
  /** Kill the script's process group after this long (default 90s, the LSB-era norm). */
  timeoutMs?: number;
  /** After SIGTERM on timeout, wait this long before SIGKILL (default 2s). */
  killGraceMs?: number;
  /** Extra variables on top of PATH (e.g. RUNLEVEL, PREVLEVEL). */
  env?: Record<string, string>;
  /** Combined stdout+stderr is kept up to this many bytes (default 64 KiB); the rest is dropped. */
  maxOutputBytes?: number;
  /** Live output, for the journal. */
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
  /** Extra arguments after the action (service(8) passes them through). */
  args?: readonly string[];
  /** A command put before the script (hearth-cgexec joining the unit's cgroup), so the daemon it starts stays in the unit. */
  prefix?: readonly string[];
}

export interface ScriptResult {
  script: string;
  action: string;
  /** The script's pid (it led its own process group). */
  pid?: number;
  /** Exit status; null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  output: string;
  /** The same output split by stream (each kept up to the same limit). */
  stdout: string;
  stderr: string;
  durationMs: number;
  /** Exit 0 and not timed out. */
  ok: boolean;
  /** For `status` only: what the LSB exit code means. */
  status?: LsbStatusMeaning;
}

export function runScript(script: string, action: string, opts: RunScriptOptions = {}): Promise<ScriptResult> {
  try {
    fs.accessSync(script, fs.constants.X_OK);
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    return Promise.reject(
      new HearthError(missing ? 'ERR_EXEC_NOT_FOUND' : 'ERR_SPAWN', `cannot run init script "${script}": ${missing ? 'not found' : 'not executable'}`, {
        cause: e,
        hint: missing ? undefined : `chmod +x ${script}`,
      }),
    );
  }
  const timeoutMs = opts.timeoutMs ?? 90_000;
  const grace = opts.killGraceMs ?? 2_000;
  const max = opts.maxOutputBytes ?? 64 * 1024;
  const began = Date.now();

  return new Promise((resolve, reject) => {
    // service(8) with no action runs the script with no arguments at all (it then prints its usage).
    const argv = [...(opts.prefix ?? []), script, ...(action === '' ? [] : [action]), ...(opts.args ?? [])];
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: '/',
      env: { PATH: SYSV_PATH, ...(opts.env ?? {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
      // A new session: the script leads its own process group, which a timeout kills whole.
      detached: true,
    });
    let output = '';
    let bytes = 0;
    const split = { stdout: '', stderr: '' };
    let timedOut = false;
    const collect = (stream: 'stdout' | 'stderr') => (buf: Buffer) => {
      const chunk = buf.toString('utf8');
      opts.onOutput?.(chunk, stream);
      if (bytes < max) {
        output += chunk.slice(0, max - bytes);
        split[stream] += chunk.slice(0, max - bytes);
        bytes += buf.length;
      }
    };
    child.stdout!.on('data', collect('stdout'));
    child.stderr!.on('data', collect('stderr'));

    let stopping: StopHandle | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      // A script that hangs is stopped like any unit: TERM to its group, KILL after the grace.
      if (child.pid !== undefined) stopping = stopProcesses(new ProcessGroupBoundary([child.pid]), { signal: 'SIGTERM', timeoutMs: grace });
    }, timeoutMs);

    child.once('error', (e) => {
      clearTimeout(timer);
      stopping?.cancel();
      reject(new HearthError('ERR_SPAWN', `cannot run init script "${script}": ${e.message}`, { cause: e }));
    });
    // "exit", not "close": a daemon the script started may keep the pipes open forever.
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const finish = () => {
        // A timed-out script's leftovers get no more grace once the script itself is gone.
        if (timedOut && child.pid !== undefined) {
          stopping?.cancel();
          new ProcessGroupBoundary([child.pid]).kill();
        }
        child.stdout!.destroy();
        child.stderr!.destroy();
        resolve({
          script,
          action,
          ...(child.pid !== undefined ? { pid: child.pid } : {}),
          code,
          signal,
          timedOut,
          output,
          stdout: split.stdout,
          stderr: split.stderr,
          durationMs: Date.now() - began,
          ok: code === 0 && !timedOut,
          ...(action === 'status' ? { status: timedOut ? 'unknown' : lsbStatusMeaning(code) } : {}),
        });
      };
      // Let output already written by the script drain before cutting the pipes.
      setImmediate(() => setTimeout(finish, 10));
    });
  });
}

/** What a non-status LSB exit code means, for messages. */
export function describeLsbExit(code: number | null): string {
  switch (code) {
    case 0:
      return 'success';
    case 1:
      return 'generic or unspecified error';
    case 2:
      return 'invalid or excess arguments';
    case 3:
      return 'unimplemented feature';
    case 4:
      return 'user had insufficient privilege';
    case 5:
      return 'program is not installed';
    case 6:
      return 'program is not configured';
    case 7:
      return 'program is not running';
    case null:
      return 'killed by a signal';
    default:
      return `exit status ${code}`;
  }
}
