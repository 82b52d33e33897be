/**
 * A real etcd cluster on loopback for the fleet tests: Debian's etcd-server,
 * N members on free ports below the ephemeral range, temp data dirs, started
 * together and waited for by asking each member's /health (no fixed sleeps).
 * Members can be killed and restarted on the same ports and data to inject
 * faults. Every member process is killed when the test process exits, even
 * when a test forgets stop().
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { eventually, freePortBlock, tempDir } from './index.js';

export const ETCD = '/usr/bin/etcd';
export const ETCDCTL = '/usr/bin/etcdctl';

export interface EtcdMember {
  name: string;
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  logFile: string;
  process?: ChildProcess;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

export interface EtcdClusterOptions {
  size?: number;
  /**
   * Serve clients over TLS with the server's PEM files, and require client
   * certificates signed by ca; clientCert/clientKey are what the harness itself
   * presents to /health.
   */
  tls?: { cert: string; key: string; ca: string; clientCert: string; clientKey: string };
}

export class EtcdCluster {
  /** Set when a diagnosed test failed: stop() keeps the member logs then. */
  private keepLogs = false;

  private constructor(
    readonly members: EtcdMember[],
    private readonly root: { path: string; cleanup(): void },
    private readonly initialCluster: string,
    private readonly token: string,
    private readonly tls: EtcdClusterOptions['tls'],
  ) {}

  /** Client URLs of every member, for a client's endpoints list. */
  get endpoints(): string[] {
    return this.members.map((m) => m.clientUrl);
  }

  static async start(options: EtcdClusterOptions = {}): Promise<EtcdCluster> {
    const size = options.size ?? 3;
    let lastError: unknown;
    // A port checked free can still be taken before etcd binds it; start again on new ports then.
    for (let attempt = 0; attempt < 3; attempt++) {
      const cluster = await EtcdCluster.create(size, options.tls);
      try {
        await cluster.launchAll();
        return cluster;
      } catch (e) {
        lastError = e;
        await cluster.stop();
      }
    }
    throw lastError;
  }

  private static async create(size: number, tls: EtcdClusterOptions['tls']): Promise<EtcdCluster> {
    const root = tempDir('hearth-etcd-');
    const base = await freePortBlock(size * 2);
    const run = randomBytes(4).toString('hex');
    const members: EtcdMember[] = Array.from({ length: size }, (_, i) => {
      const dataDir = join(root.path, `m${i}`);
      return {
        name: `hearth-${run}-m${i}`,
        clientUrl: `${tls ? 'https' : 'http'}://127.0.0.1:${base + 2 * i}`,
        peerUrl: `http://127.0.0.1:${base + 2 * i + 1}`,
        dataDir,
        logFile: join(root.path, `m${i}.log`),
      };
    });
    const initialCluster = members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
    return new EtcdCluster(members, root, initialCluster, `hearth-test-${run}`, tls);
  }

  private async launchAll(): Promise<void> {
    for (let i = 0; i < this.members.length; i++) this.spawnMember(i, 'new');
    await this.waitHealthy();
  }

  private spawnMember(i: number, state: 'new' | 'existing'): void {
    const m = this.members[i]!;
    mkdirSync(m.dataDir, { recursive: true });
    const log = openSync(m.logFile, 'a');
    const child = spawn(
      ETCD,
      [
        '--name', m.name,
        '--data-dir', m.dataDir,
        '--listen-client-urls', m.clientUrl,
        '--advertise-client-urls', m.clientUrl,
        '--listen-peer-urls', m.peerUrl,
        '--initial-advertise-peer-urls', m.peerUrl,
        '--initial-cluster', this.initialCluster,
        '--initial-cluster-token', this.token,
        '--initial-cluster-state', state,
        '--logger', 'zap',
        '--log-level', 'warn',
        ...(this.tls ? ['--cert-file', this.tls.cert, '--key-file', this.tls.key, '--trusted-ca-file', this.tls.ca, '--client-cert-auth'] : []),
      ],
      { stdio: ['ignore', log, log] },
    );
    closeSync(log);
    live.add(child);
    child.once('exit', () => live.delete(child));
    m.process = child;
  }

  /**
   * Waits until every running member answers /health with true (a leader is known and quorum holds);
   * members in `paused` (SIGSTOPped on purpose) are not asked.
   */
  async waitHealthy(timeoutMs = 30_000, paused: readonly number[] = []): Promise<void> {
    await eventually(
      async () => {
        for (const [i, m] of this.members.entries()) {
          if (!m.process || paused.includes(i)) continue;
          if (m.process.exitCode !== null || m.process.signalCode !== null) {
            throw new Error(`etcd member ${m.name} exited: ${this.log(m)}`);
          }
          if (!(await health(m.clientUrl, this.tls))) return false;
        }
        return true;
      },
      timeoutMs,
      'etcd members to be healthy',
    );
  }

  /** kill -9 of member i, and waits until it is gone. */
  async kill(i: number): Promise<void> {
    const p = this.members[i]!.process;
    if (!p) return;
    this.members[i]!.process = undefined;
    if (p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await gone;
  }

  /** Starts member i again on its ports and data; resolves once its client port answers. */
  async restart(i: number): Promise<void> {
    this.spawnMember(i, 'existing');
    const m = this.members[i]!;
    await eventually(async () => {
      if (m.process?.exitCode !== null) throw new Error(`etcd member ${m.name} exited: ${this.log(m)}`);
      return (await health(m.clientUrl, this.tls)) !== undefined;
    }, 30_000, `etcd member ${m.name} to listen`);
  }

  /** Restarts every member killed and not restarted yet, then waits for the cluster to be healthy. */
  async restartKilled(): Promise<void> {
    const killed = [...this.members.keys()].filter((i) => !this.members[i]!.process);
    if (killed.length === 0) return;
    await Promise.all(killed.map((i) => this.restart(i)));
    await this.waitHealthy();
  }

  /** SIGSTOP / SIGCONT: the member keeps its sockets open but answers nothing, as behind a partition. */
  pause(i: number): void {
    this.members[i]!.process?.kill('SIGSTOP');
  }

  resume(i: number): void {
    this.members[i]!.process?.kill('SIGCONT');
  }

  /** Runs etcdctl against the cluster with an argument list (never a shell line). */
  etcdctl(args: string[], options: { user?: string; stdin?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    const full = ['--endpoints', this.endpoints.join(','), ...(options.user ? ['--user', options.user] : []), ...args];
    return new Promise((resolve, reject) => {
      const child = spawn(ETCDCTL, full, { env: { ...process.env, ETCDCTL_API: '3' }, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
      child.stdin.end(options.stdin ?? '');
    });
  }

  log(m: EtcdMember): string {
    return existsSync(m.logFile) ? readFileSync(m.logFile, 'utf8').slice(-2000) : '(no log)';
  }

  /**
   * The last lines of each member's log: warnings and worse (a lease revoke
   * that failed, a slow apply, a lost peer). Left out: the peer connections
   * opened and closed that a start or restart logs by the dozen, and the
   * start's notes on permissions and tokens; the whole log is in the file.
   */
  logTails(lines = 25): string {
    const routine = /"msg":"(established|closed) TCP streaming connection|check file permission|simple token is not cryptographically signed/;
    return this.members
      .map((m) => {
        const all = existsSync(m.logFile) ? readFileSync(m.logFile, 'utf8').trimEnd().split('\n') : [];
        const tail = all.filter((l) => l !== '' && !routine.test(l)).slice(-lines);
        return [`--- etcd member ${m.name}, last ${tail.length} lines of note in ${m.logFile} (${all.length} lines)`, ...tail].join('\n');
      })
      .join('\n');
  }

  /**
   * Runs a test's body; when it fails, adds the tail of each member's log to
   * the test's output and keeps the logs after stop(), so a failure that etcd
   * had a part in can be read after the fact instead of run again.
   */
  async diagnose<T>(t: { diagnostic(message: string): void }, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (e) {
      this.keepLogs = true;
      for (const line of this.logTails().split('\n')) t.diagnostic(line);
      throw e;
    }
  }

  /** Kills every member and removes the data dirs, and the logs too unless a diagnosed test failed; safe to call twice. */
  async stop(): Promise<void> {
    await Promise.all(this.members.map((_, i) => this.kill(i)));
    if (!this.keepLogs) return this.root.cleanup();
    for (const m of this.members) rmSync(m.dataDir, { recursive: true, force: true });
    process.stderr.write(`etcd member logs kept in ${this.root.path}\n`);
  }
}

/** true/false from a member's /health; undefined when it does not answer at all. */
function health(clientUrl: string, tls: EtcdClusterOptions['tls']): Promise<boolean | undefined> {
  return new Promise((resolve) => {
    const files = tls ? { ca: readFileSync(tls.ca), cert: readFileSync(tls.clientCert), key: readFileSync(tls.clientKey) } : {};
    const req = (tls ? httpsRequest : request)(`${clientUrl}/health`, { timeout: 2000, ...files }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => {
        try {
          resolve((JSON.parse(body) as { health?: string }).health === 'true');
        } catch {
          resolve(false);
        }
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}
