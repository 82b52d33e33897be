import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, tempDir, eventually } from './index.js';

export interface RunningDaemon {
  root: string;
  /** hearthd's runtime dir (its control socket, and the name of its cgroup subtree). */
  runtimeDir: string;
  configDir: string;
  socket: string;
  child: ChildProcess;
  output(): string;
  /** Runs the CLI against this daemon. */
  cli(...args: string[]): { code: number; stdout: string; stderr: string };
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** A clean stop (SIGTERM) that keeps the dirs, for restart(). */
  halt(): Promise<void>;
  /** kill -9 of hearthd, keeping its directories for the next one. */
  crash(): Promise<void>;
  /** Starts another hearthd on the same directories (after crash()). */
  restart(): Promise<RunningDaemon>;
}

/** Writes files (relative path → content) under dir, creating folders. */
export function writeTree(dir: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    const path = join(dir, rel);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, content);
  }
}

export function runCli(socket: string | undefined, args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, [join(REPO, 'bin', 'hearth'), ...(socket ? ['--socket', socket] : []), ...args], {
    encoding: 'utf8',
    env,
    timeout: 30_000,
    maxBuffer: 512 * 1024 * 1024,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Starts bin/hearthd on a temp config dir holding `files`, and waits for its socket. */
export async function startDaemon(
  files: Record<string, string>,
  extraArgs: string[] = [],
  /**
   * executable: files to chmod +x; nofile: hearthd's descriptor limit, set with prlimit(1); env: hearthd's environment;
   * prefix: a command hearthd is run under (setpriv, to take a capability away).
   */
  options: { executable?: string[]; nofile?: number; env?: NodeJS.ProcessEnv; prefix?: string[] } = {},
): Promise<RunningDaemon> {
  const dir = tempDir('hearthd-');
  const configDir = join(dir.path, 'config');
  mkdirSync(configDir, { recursive: true });
  writeTree(configDir, files);
  for (const f of options.executable ?? []) chmodSync(join(configDir, f), 0o755);
  return launchDaemon(dir, configDir, extraArgs, options, true);
}

async function launchDaemon(
  dir: { path: string; cleanup(): void },
  configDir: string,
  extraArgs: string[],
  { nofile, env, prefix }: { nofile?: number; env?: NodeJS.ProcessEnv; prefix?: string[] },
  /** A restart reuses the dir its test still owns. */
  firstStart: boolean,
): Promise<RunningDaemon> {
  const runtime = join(dir.path, 'run');
  const args = [
    join(REPO, 'bin', 'hearthd'),
    '--config-dir', configDir,
    '--state-dir', join(dir.path, 'state'),
    '--runtime-dir', runtime,
    '--log-dir', join(dir.path, 'log'),
    // Many hearthds run side by side in tests: no GUI on the default port unless a test asks for one.
    ...(extraArgs.includes('--web-listen') ? [] : ['--web-listen', 'off']),
    ...extraArgs,
  ];
  if (nofile !== undefined) args.unshift('prlimit', `--nofile=${nofile}:${nofile}`, '--');
  if (prefix) args.unshift(...prefix);
  const child = spawn(args[0]!, args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], ...(env ? { env } : {}) });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const socket = join(runtime, 'hearth.sock');
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await eventually(() => {
      if (child.exitCode !== null) throw new Error(`hearthd exited early: ${out}`);
      return runCli(socket, ['list', '--json']).code === 0;
    }, 20_000, 'hearthd to answer');
  } catch (e) {
    // The test never gets a handle to stop it: stop the hearthd (and so its services) here, and,
    // on a first start, remove its dir, so a failed start leaves no process or temp dir behind.
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const stopped = await Promise.race([exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 15_000))]);
      if (!stopped) child.kill('SIGKILL');
      await exited;
    }
    if (firstStart) dir.cleanup();
    throw e;
  }
  return {
    root: dir.path,
    runtimeDir: runtime,
    configDir,
    socket,
    child,
    output: () => out,
    cli: (...a: string[]) => runCli(socket, a),
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      const code = await exited;
      dir.cleanup();
      return code;
    },
    halt: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
    crash: async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
    restart: () => launchDaemon(dir, configDir, extraArgs, { nofile, env, prefix }, false),
  };
}
