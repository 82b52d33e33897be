import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { eventually } from './index.js';

export interface NamespaceInit {
  /** The unshare process (host view). */
  child: ChildProcess;
  /** PID 1 of the new namespace, as the host sees it. */
  initPid: number;
  output(): string;
  /** Resolves with unshare's exit, which is PID 1's. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` to the namespace's PID 1. */
  signal(signal: NodeJS.Signals): void;
  /** Ends everything in the namespace at once (for cleanup after a failure). */
  kill(): void;
}

/**
 * Starts `command` as PID 1 of a new PID and mount namespace (with its own
 * /proc), as a container runtime would start its init; `namespaces` adds
 * more, such as "--net".
 */
export async function startAsPid1(
  command: string[],
  env: NodeJS.ProcessEnv = process.env,
  namespaces: string[] = [],
  /** The command is expected to end at once (a refusal): it may be gone before its pid is seen; initPid is then 0. */
  { mayExitAtOnce = false }: { mayExitAtOnce?: boolean } = {},
): Promise<NamespaceInit> {
  const child = spawn('/usr/bin/unshare', ['--pid', '--fork', '--mount', '--mount-proc', ...namespaces, ...command], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const { pid: initPid } = await eventually(() => {
    const pid = Number(spawnSync('pgrep', ['-P', String(child.pid)]).stdout.toString().trim().split('\n')[0]);
    if (pid > 0) return { pid };
    if (child.exitCode === null && child.signalCode === null) return undefined;
    if (mayExitAtOnce) return { pid: 0 };
    throw new Error(`exited at once: ${out}`);
  }, 10_000, 'the namespace init');
  return {
    child,
    initPid,
    output: () => out,
    exited,
    signal: (signal) => {
      if (initPid === 0) return; // gone already (and pid 0 would be our own process group)
      try {
        process.kill(initPid, signal);
      } catch {
        // already gone
      }
    },
    kill: () => {
      // SIGKILL to a namespace's PID 1 kills every process in it.
      if (initPid === 0) return;
      try {
        process.kill(initPid, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}

/** Runs a command inside the namespaces of `initPid` (PIDs, mounts, network), as `docker exec` would. */
export function inNamespace(initPid: number, command: string[], input?: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('nsenter', ['-t', String(initPid), '-p', '-m', '-n', '--', ...command], { encoding: 'utf8', timeout: 30_000, ...(input !== undefined ? { input } : {}) });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
