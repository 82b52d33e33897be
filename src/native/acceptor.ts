import { spawn, type ChildProcess } from 'node:child_process';
import { HearthError } from '../errors/index.js';
import { nativeHelperPath } from './helper-path.js';
import { OrphanWatch } from './orphan-watch.js';
import { SpawnedServer, signalName, type ServerProcess } from './server-process.js';

export const ACCEPTOR_HELPER = 'hearth-acceptor';

export interface AcceptorOptions {
  /** A bound TCP socket (not listening yet) that this object may hand to its helper, kept open by the caller until close(). */
  fd: number;
  file: string;
  args: string[];
  argv0?: string;
  umask?: number;
  env: Record<string, string>;
  /** cgroup.procs files each server joins between fork and exec (its service's cgroups). */
  cgroups?: string[];
  /** The server gets REMOTE_HOST only, not REMOTE_ADDR and REMOTE_PORT (xinetd's environment). */
  remoteHostOnly?: boolean;
  nodelay?: boolean;
  keepalive?: boolean;
  /** Admit (true) or refuse a connection; called once per connection, synchronously. */
  decide(remote: string, port: number): boolean;
  /** The server of an admitted connection (pid and exit arrive as events). */
  onServer(server: ServerProcess, remote: string): void;
  onNotice(level: 'warn' | 'error', message: string): void;
  /** How long close() lets a silent helper be before killing it (tests shorten it). */
  stuckHelperMs?: number;
}

const MAX_DEATHS = 5;
const DEATH_WINDOW_MS = 60_000;
/**
 * A helper that has neither confirmed close() nor ended by then is stuck
 * (stopped, or wedged): it is killed, and close() resolves when it is gone.
 */
const STUCK_HELPER_MS = 5000;

/** The acceptor helper's path, or null when it was not built. */
export function acceptorHelperPath(): string | null {
  return nativeHelperPath(ACCEPTOR_HELPER);
}

/**
 * One plain wait = no TCP service served by hearth-acceptor: the helper owns
 * accept(2) and starts each server, while every decision (access rules,
 * limits) and every log line stays here. Connections are announced and
 * answered in batches over two pipes, which costs hearthd a small fraction of
 * what a Node socket per connection and a hand-over round trip do.
 *
 * If the helper dies it is started again on the same socket (connections
 * wait in the kernel's backlog meanwhile); servers it had started are
 * watched through /proc until they end.
 */
export class Acceptor {
  private helper: ChildProcess | undefined;
  private closed = false;
  private readonly starting = new Map<string, SpawnedServer>();
  private readonly running = new Map<number, SpawnedServer>();
  private readonly orphans = new OrphanWatch();
  private readonly deaths: number[] = [];
  private replies: string[] = [];
  private partial = '';
  private released: (() => void) | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly path: string, private readonly o: AcceptorOptions) {}

  get pid(): number | undefined {
    return this.helper?.pid;
  }

  /** Starts the helper; resolves once it listens. */
  start(): Promise<void> {
    const o = this.o;
    const argv: string[] = [];
    if (o.umask !== undefined) argv.push('--umask', o.umask.toString(8));
    if (o.argv0) argv.push('--argv0', o.argv0);
    if (o.remoteHostOnly) argv.push('--host-only');
    if (o.nodelay) argv.push('--nodelay');
    if (o.keepalive) argv.push('--keepalive');
    for (const [k, v] of Object.entries(o.env)) argv.push('--env', `${k}=${v}`);
    for (const c of o.cgroups ?? []) argv.push('--cgroup', c);
    argv.push('--', o.file, ...o.args);
    const h = spawn(this.path, argv, { stdio: ['pipe', 'pipe', 'pipe', o.fd], env: {} });
    this.helper = h;
    this.partial = '';
    let stderr = '';
    h.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-1000)));
    h.stdin!.on('error', () => undefined); // a dead helper is handled on 'close'
    return new Promise((resolve, reject) => {
      let ready = false;
      h.on('error', (e) => {
        if (ready) return;
        // It never ran, so it holds nothing.
        if (this.helper === h) this.helper = undefined;
        this.release();
        reject(new HearthError('ERR_SPAWN', `cannot start "${this.path}": ${e.message}`));
      });
      h.stdout!.on('data', (chunk: Buffer) => {
        const text = this.partial + chunk.toString('latin1');
        const lines = text.split('\n');
        this.partial = lines.pop()!;
        for (const line of lines) {
          if (line === 'r') {
            ready = true;
            resolve();
          } else this.onLine(line);
        }
        this.flush();
      });
      h.on('close', (code, signal) => {
        if (!ready) {
          if (this.helper === h) this.helper = undefined;
          // Its copy of the socket went with it.
          this.release();
          reject(new HearthError('ERR_SPAWN', `"${ACCEPTOR_HELPER}" could not listen: ${stderr.trim() || `exit ${code ?? signal}`}`));
          return;
        }
        this.onGone(h, code, signal, stderr.trim());
      });
    });
  }

  /**
   * Stops accepting; resolves once the helper has really closed its copy of
   * the socket (it says "q"), or has ended: only then can the port be bound
   * again. The helper exits once the servers it started have ended; their
   * exits are still reported. The caller's own copy (o.fd) is the caller's.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    const h = this.helper;
    if (!h) return (this.closing = Promise.resolve());
    this.closing = new Promise((resolve) => {
      const stuck = setTimeout(() => {
        this.o.onNotice('error', `"${ACCEPTOR_HELPER}" (pid ${h.pid}) did not let go of its socket within ${this.o.stuckHelperMs ?? STUCK_HELPER_MS} ms; killed`);
        h.kill('SIGKILL');
      }, this.o.stuckHelperMs ?? STUCK_HELPER_MS);
      stuck.unref();
      this.released = () => {
        clearTimeout(stuck);
        resolve();
      };
    });
    // Answers already decided go first: the helper handles its input in order.
    this.flush();
    h.stdin!.end('q\n');
    return this.closing;
  }

  private release(): void {
    const r = this.released;
    this.released = undefined;
    r?.();
  }

  private flush(): void {
    if (this.replies.length === 0 || !this.helper) return;
    this.helper.stdin!.write(this.replies.join(''));
    this.replies = [];
  }

  private onLine(line: string): void {
    const [kind, a, b, c] = line.split(' ');
    switch (kind) {
      case 'c': {
        // After close() the helper drops every connection it still holds: nothing to decide.
        if (this.closed) return;
        const remote = b === '-' ? '' : b!;
        if (!this.o.decide(remote, Number(c))) {
          this.replies.push(`n ${a}\n`);
          return;
        }
        this.replies.push(`y ${a}\n`);
        const server = new SpawnedServer();
        this.starting.set(a!, server);
        this.o.onServer(server, remote);
        return;
      }
      case 's': {
        const server = this.starting.get(a!);
        if (!server) return;
        this.starting.delete(a!);
        this.running.set(Number(b), server);
        server.started(Number(b));
        return;
      }
      case 'f': {
        const server = this.starting.get(a!);
        if (!server) return;
        this.starting.delete(a!);
        server.failed(new HearthError('ERR_SPAWN', line.slice(3 + a!.length)));
        return;
      }
      case 'q':
        this.release();
        return;
      case 'x': {
        const server = this.running.get(Number(a));
        if (!server) return;
        this.running.delete(Number(a));
        const code = Number(b);
        server.exited(code >= 0 ? code : null, signalName(Number(c)));
        return;
      }
    }
  }

  private onGone(h: ChildProcess, code: number | null, signal: NodeJS.Signals | null, said: string): void {
    if (this.helper === h) this.helper = undefined;
    this.release();
    for (const server of this.starting.values()) server.failed(new HearthError('ERR_SPAWN', `"${ACCEPTOR_HELPER}" ended before it started the server`));
    this.starting.clear();
    const orphans = this.running.size;
    for (const [pid, server] of this.running) this.orphans.add(pid, () => server.exited(null, null));
    this.running.clear();
    // After close() the helper leaves on its own once its servers are done.
    if (this.closed) return;
    const now = Date.now();
    this.deaths.push(now);
    while (this.deaths.length && now - this.deaths[0]! > DEATH_WINDOW_MS) this.deaths.shift();
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const again = this.deaths.length < MAX_DEATHS;
    this.o.onNotice('error', `"${ACCEPTOR_HELPER}" (pid ${h.pid}) ${how}${said ? ` (${said.split('\n').pop()})` : ''}; ${again ? 'started again' : `not started again after ${MAX_DEATHS} ends within a minute`}; ${orphans} running server(s) it started are watched until they end (exit status unknown)`);
    if (again) {
      this.start().catch((e: Error) => this.o.onNotice('error', e.message));
    }
  }
}
