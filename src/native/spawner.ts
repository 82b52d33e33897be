import { spawn as nodeSpawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import type net from 'node:net';
import { HearthError, describeError } from '../errors/index.js';
import { applyUmask } from '../process/index.js';
import { helperBuildAdvice, nativeHelperPath } from './helper-path.js';
import { OrphanWatch } from './orphan-watch.js';
import { SpawnedServer, signalName, type ServerProcess } from './server-process.js';

export const SPAWNER_HELPER = 'hearth-spawner';
const CGEXEC_HELPER = 'hearth-cgexec';


export interface ServerSpawnOptions {
  /** The connection, as fds 0, 1 and 2 of the server. The spawner takes it over and closes this copy. */
  socket: net.Socket;
  env: Record<string, string>;
  argv0?: string;
  umask?: number;
  /**
   * cgroup.procs files the server joins between fork and exec (its service's
   * cgroups), so it is inside the service before its program runs.
   */
  cgroups?: string[];
}

export interface ServerSpawnerOptions {
  /** The helper binary; undefined finds the built one, null never uses one (Node's spawn only). */
  helperPath?: string | null;
  /** Node's spawn (or a wrapper): used when the helper is missing or keeps dying. */
  fallback?: typeof nodeSpawn;
  /** Things an operator should hear about: the helper missing, dying, given up on. */
  onNotice?: (level: 'warn' | 'error', message: string) => void;
}

/** The helper died this many times within DEATH_WINDOW_MS: stop restarting it. */
const MAX_DEATHS = 5;
const DEATH_WINDOW_MS = 60_000;


interface Request {
  id: number;
  file: string;
  argv: string[];
  env: string[];
  umask?: number;
  cgroups?: string[];
}

type StdioEntry = number | string | null;

/** A service's process, which the helper creates inside its cgroup (native/spawner/service-request.h). */
export interface ServiceSpawnRequest {
  /** The program or its first wrapper, by absolute path. */
  file: string;
  /** argv, argv[0] included. */
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  umask?: number;
  /**
   * What become fds 0, 1 and 2: null for /dev/null, the path of a FIFO (the
   * helper opens it read-write), or a descriptor of hearthd's (a file, never
   * a socket: the helper reopens it through /proc), which the caller keeps
   * open until the process started or failed.
   */
  stdio: [StdioEntry, StdioEntry, StdioEntry];
  /** "NAME=SOFT:HARD" (prlimit names). */
  rlimits?: string[];
  /** The unit's cgroup v2 directory, which the process is created in. */
  cgroup?: string;
  /** cgroup.procs files of the v1 hierarchies it joins before it execs. */
  joins?: string[];
}

type WireServiceRequest = Omit<ServiceSpawnRequest, 'env'> & { id: number; env: string[] };

interface Pending {
  request: Request | WireServiceRequest;
  server: SpawnedServer;
  /** A per-connection server's connection, and what Node's spawn needs if the helper cannot take it. */
  connection?: { socket: net.Socket; args: string[]; options: ServerSpawnOptions };
  /** Node wrote it to the channel (or failed to): the socket is no longer ours to resend. */
  handedOver: boolean;
}

/**
 * Starts processes through hearth-spawner, a small resident helper: one
 * server per TCP connection, and services' main processes. Forking hearthd
 * itself for each is what made per-connection services slow, and a service
 * the helper creates is inside its cgroup from its first instruction
 * without the cost of moving it there (native/spawner/service-start.c).
 * Each request travels to the helper over Node's IPC channel (a connection
 * with child.send(request, socket)); the helper answers with the pid and
 * later the exit status.
 *
 * If the helper dies, it is started again at once and requests not yet
 * handed to it go to the new one. Processes it had started are re-parented
 * to init: their exit status is lost, so they are watched through /proc and
 * reported as exited (code and signal null) when they are gone, which keeps
 * instance counts honest. Without the helper (no C compiler at install time,
 * or it died MAX_DEATHS times in a minute) servers start with Node's spawn,
 * and services with their runner's own spawn (see usesHelper).
 */
export class ServerSpawner {
  private helper: ChildProcess | undefined;
  private helperStderr = '';
  private readonly requestedPath: string | null | undefined;
  private path: string | null | undefined;
  private readonly fallback: typeof nodeSpawn;
  private readonly notice: (level: 'warn' | 'error', message: string) => void;
  private readonly pending = new Map<number, Pending>();
  private readonly running = new Map<number, SpawnedServer>();
  private readonly deaths: number[] = [];
  private disabled = false;
  private closed = false;
  private nextId = 1;
  private readonly orphans = new OrphanWatch();

  constructor(options: ServerSpawnerOptions = {}) {
    this.requestedPath = options.helperPath;
    this.fallback = options.fallback ?? nodeSpawn;
    this.notice = options.onNotice ?? (() => undefined);
  }

  /** The helper's pid while it runs (for status and tests). */
  get helperPid(): number | undefined {
    return this.helper?.pid;
  }

  /** Whether servers start through the helper (false: Node's spawn). */
  get usesHelper(): boolean {
    return !this.disabled && this.helperPath() !== null;
  }

  spawn(file: string, args: string[], options: ServerSpawnOptions): ServerProcess {
    const server = new SpawnedServer();
    if (this.closed || !this.usesHelper) {
      this.spawnWithNode(server, file, args, options);
      return server;
    }
    const request: Request = { id: this.nextId++, file, argv: [options.argv0 ?? file, ...args], env: envList(options.env) };
    if (options.umask !== undefined) request.umask = options.umask;
    if (options.cgroups?.length) request.cgroups = options.cgroups;
    const p: Pending = { request, server, connection: { socket: options.socket, args, options }, handedOver: false };
    this.pending.set(request.id, p);
    this.send(p);
    return server;
  }

  /**
   * Starts a service's process through the helper (check usesHelper first:
   * there is no fallback here, the caller has its own spawn). 'spawn' comes
   * with the pid once the program was exec'd, or 'error'; 'exit' later.
   */
  spawnService(r: ServiceSpawnRequest): ServerProcess {
    const server = new SpawnedServer();
    const p: Pending = { request: { ...r, id: this.nextId++, env: envList(r.env) }, server, handedOver: false };
    if (this.closed || !this.usesHelper) {
      process.nextTick(() => this.lose(p, `"${SPAWNER_HELPER}" is not available`));
      return server;
    }
    this.pending.set(p.request.id, p);
    this.send(p);
    return server;
  }

  /** Stops the helper (servers it started keep running and are watched until they end). */
  close(): void {
    this.closed = true;
    const h = this.helper;
    this.helper = undefined;
    for (const p of this.pending.values()) this.lose(p, 'the super-server stopped');
    this.pending.clear();
    this.watchOrphans();
    if (h?.connected) h.disconnect();
  }

  private helperPath(): string | null {
    if (this.path !== undefined) return this.path;
    const asked = this.requestedPath;
    if (asked === null) return (this.path = null);
    this.path = asked === undefined ? nativeHelperPath(SPAWNER_HELPER) : isExecutable(asked) ? asked : null;
    if (this.path === null) {
      const what = asked === undefined ? `the native helper "${SPAWNER_HELPER}" is not built` : `"${asked}" cannot be run`;
      this.notice('warn', `${what}: servers for each connection start with Node's spawn, which is slower (${helperBuildAdvice()})`);
    }
    return this.path;
  }

  private send(p: Pending): void {
    const h = this.ensureHelper();
    // A helper that just died is replaced when its 'close' comes; p is resent then.
    if (h && !h.connected) return;
    if (!h) {
      this.pending.delete(p.request.id);
      if (p.connection) this.spawnWithNode(p.server, p.request.file, p.connection.args, p.connection.options);
      else this.lose(p, `"${SPAWNER_HELPER}" is not available`);
      return;
    }
    // Node passes one handle at a time and queues the rest until the helper
    // acknowledges it; the callback runs once this one was written (or failed).
    h.send(p.request, p.connection?.socket, (err) => {
      p.handedOver = true;
      if (err && this.pending.get(p.request.id) === p) {
        this.pending.delete(p.request.id);
        this.lose(p, `cannot hand the request to "${SPAWNER_HELPER}": ${err.message}`);
      }
    });
  }

  private ensureHelper(): ChildProcess | undefined {
    if (this.helper) return this.helper;
    const path = this.helperPath();
    if (this.disabled || this.closed || !path) return undefined;
    let h: ChildProcess;
    try {
      h = nodeSpawn(path, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'json' });
    } catch (e) {
      this.giveUp(`cannot start "${path}": ${describeError(e)}`);
      return undefined;
    }
    this.helper = h;
    this.helperStderr = '';
    h.stderr!.on('data', (d: Buffer) => {
      this.helperStderr = (this.helperStderr + d.toString()).slice(-1000);
    });
    h.on('message', (m) => this.onMessage(m));
    let gone = false;
    const onGone = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (gone) return;
      gone = true;
      setImmediate(() => this.onHelperGone(h, code, signal));
    };
    h.on('error', (e) => {
      // Only a failed start lands here with no pid; a failed send has its own callback.
      if (h.pid !== undefined) return;
      this.giveUp(`cannot start "${path}": ${e.message}`);
      onGone(null, null);
    });
    // 'close' comes after the exit and after the channel is drained, so every reply is in.
    h.on('close', onGone);
    // hearthd's listeners keep it alive; a spawner alone must not.
    h.unref();
    (h.channel as { unref?: () => void } | undefined)?.unref?.();
    return h;
  }

  private onMessage(m: unknown): void {
    if (m === null || typeof m !== 'object') return;
    const { id, pid, error, code, signal } = m as Record<string, unknown>;
    if (typeof id === 'number') {
      const p = this.pending.get(id);
      if (!p) return;
      this.pending.delete(id);
      if (typeof pid === 'number') {
        this.running.set(pid, p.server);
        p.server.started(pid);
      } else {
        p.server.failed(new HearthError('ERR_SPAWN', String(error)));
      }
      return;
    }
    if (typeof pid === 'number') {
      const server = this.running.get(pid);
      if (!server) return;
      this.running.delete(pid);
      server.exited(typeof code === 'number' ? code : null, typeof signal === 'number' ? signalName(signal) : null);
      return;
    }
    if (typeof error === 'string') this.notice('error', `${SPAWNER_HELPER}: ${error}`);
  }

  private onHelperGone(h: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.helper === h) this.helper = undefined;
    const orphans = this.running.size;
    this.watchOrphans();
    if (this.closed) return;
    if (h.pid === undefined) {
      // It never started (giveUp said why): everything waiting goes to Node's spawn.
      for (const p of this.pending.values()) this.send(p);
      return;
    }
    const now = Date.now();
    this.deaths.push(now);
    while (this.deaths.length && now - this.deaths[0]! > DEATH_WINDOW_MS) this.deaths.shift();
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const said = this.helperStderr.trim() ? ` (${this.helperStderr.trim().split('\n').pop()})` : '';
    let lost = 0;
    const resend: Pending[] = [];
    for (const p of this.pending.values()) {
      if (p.handedOver) {
        lost++;
        this.lose(p, `"${SPAWNER_HELPER}" ended before it started the process`);
      } else resend.push(p);
    }
    this.pending.clear();
    if (this.deaths.length >= MAX_DEATHS && !this.disabled) {
      this.giveUp(`it ended ${this.deaths.length} times within a minute`);
    }
    const restart = this.disabled ? 'servers now start with Node\'s spawn' : 'started again';
    this.notice('error', `"${SPAWNER_HELPER}" (pid ${h.pid ?? '?'}) ${how}${said}; ${restart}; ${orphans === 1 ? '1 running process it started is' : `${orphans} running processes it started are`} watched until they end (exit status unknown)${lost ? `; ${lost} start${lost === 1 ? '' : 's'} lost` : ''}`);
    for (const p of resend) {
      this.pending.set(p.request.id, p);
      this.send(p);
    }
    if (!this.disabled && !this.helper) this.ensureHelper();
  }

  private lose(p: Pending, why: string): void {
    p.server.failed(new HearthError('ERR_SPAWN', why));
    p.connection?.socket.destroy();
  }

  private giveUp(why: string): void {
    if (this.disabled) return;
    this.disabled = true;
    this.notice('error', `"${SPAWNER_HELPER}" is not used any more (${why}): servers for each connection start with Node's spawn`);
  }

  private spawnWithNode(server: SpawnedServer, file: string, args: string[], o: ServerSpawnOptions): void {
    let child: ChildProcess;
    try {
      const run = joinThenRun(file, args, o);
      child = applyUmask(o.umask, () =>
        this.fallback(run.file, run.args, { stdio: [o.socket, o.socket, o.socket], env: o.env, ...(run.argv0 ? { argv0: run.argv0 } : {}) }),
      );
    } catch (e) {
      o.socket.destroy();
      process.nextTick(() => server.failed(e instanceof Error ? e : new Error(String(e))));
      return;
    }
    // The child has its own copy; ours must go or the client never sees EOF.
    o.socket.destroy();
    server.adopt(child);
  }

  /** Servers whose helper is gone were re-parented away from it: nobody will tell us their exit. */
  private watchOrphans(): void {
    for (const [pid, server] of this.running) this.orphans.add(pid, () => server.exited(null, null));
    this.running.clear();
  }
}

/**
 * How Node's spawn starts a server that must join cgroups: through
 * hearth-cgexec, which joins them and then execs it (with its argv[0]).
 */
export function joinThenRun(file: string, args: string[], o: Pick<ServerSpawnOptions, 'argv0' | 'cgroups'>): { file: string; args: string[]; argv0?: string } {
  if (!o.cgroups?.length) return { file, args, ...(o.argv0 ? { argv0: o.argv0 } : {}) };
  const cgexec = nativeHelperPath(CGEXEC_HELPER);
  if (cgexec === null) throw new HearthError('ERR_SPAWN', `cannot put the server into its cgroup: "${CGEXEC_HELPER}" is not built (${helperBuildAdvice()})`);
  return { file: cgexec, args: [...(o.argv0 ? ['-a', o.argv0] : []), ...o.cgroups, '--', file, ...args] };
}

/** An environment as the helper takes it: "NAME=value" strings. */
function envList(env: Record<string, string>): string[] {
  return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}
