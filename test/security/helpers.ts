import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { startDaemon } from '../helpers/daemon.js';
import { eventually } from '../helpers/index.js';

/**
 * A real hearthd for attack tests: optionally under a descriptor limit
 * (prlimit, as a shell's ulimit would set it) and with the web GUI on a
 * loopback port picked at start.
 */
export interface AttackTarget {
  root: string;
  socket: string;
  logDir: string;
  pid: number;
  /** The web GUI's base URL (http://127.0.0.1:PORT/) when started with web. */
  webUrl: string;
  webPort: number;
  token: string;
  child: ChildProcess;
  output(): string;
  cli(...args: string[]): { code: number; stdout: string; stderr: string };
  /** Resident memory of hearthd now, in bytes. */
  rssBytes(): number;
  stop(): Promise<void>;
}

export async function startTarget(files: Record<string, string>, options: { web?: boolean; nofile?: number } = {}): Promise<AttackTarget> {
  const d = await startDaemon(files, ['--web-listen', options.web ? '127.0.0.1:0' : 'off', '--quiet'], options.nofile ? { nofile: options.nofile } : {});
  let webUrl = '';
  let token = '';
  if (options.web) {
    try {
      webUrl = await eventually(() => {
        if (d.child.exitCode !== null) throw new Error(`hearthd exited early: ${d.output()}`);
        const file = join(d.runtimeDir, 'web-address');
        return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
      }, 20_000, 'the web GUI address');
      token = readFileSync(join(d.runtimeDir, 'web-token'), 'utf8').trim();
    } catch (e) {
      await d.stop();
      throw e;
    }
  }
  return {
    root: d.root,
    socket: d.socket,
    logDir: join(d.root, 'log'),
    pid: d.child.pid!,
    webUrl,
    webPort: webUrl ? Number(new URL(webUrl).port) : 0,
    token,
    child: d.child,
    output: d.output,
    cli: d.cli,
    rssBytes: () => {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${d.child.pid}/status`, 'utf8'));
      return Number(m?.[1] ?? 0) * 1024;
    },
    stop: async () => {
      await d.stop();
    },
  };
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTP request over TCP or the control socket, with headers exactly as given (Host included). */
export function rawRequest(
  target: { port: number } | { socketPath: string },
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string | Buffer; timeoutMs?: number; noHost?: boolean } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        ...('port' in target ? { host: '127.0.0.1', port: target.port } : { socketPath: target.socketPath }),
        method,
        path,
        headers: options.headers ?? {},
        agent: false,
        ...(options.noHost ? { setHost: false } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.setTimeout(options.timeoutMs ?? 10_000, () => req.destroy(new Error(`no answer to ${method} ${path}`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Opens a TCP connection and resolves once it is connected (or refused/closed). */
export function openIdle(port: number, localAddress: string): Promise<Socket> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port, localAddress });
    s.on('error', () => undefined);
    // Idle, but reading: a refusal (503, then the server closing) is noticed.
    s.resume();
    s.once('connect', () => resolve(s));
    s.once('close', () => resolve(s));
  });
}

/**
 * Reads from a socket until `done(text)` holds or the deadline passes; resolves
 * with everything read. The socket stays open.
 */
export function readUntil(sock: Socket, done: (text: string) => boolean, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      sock.off('data', onData);
      sock.off('close', onClose);
      if (err) reject(err);
      else resolve(text);
    };
    const onData = (d: Buffer): void => {
      text += d.toString('latin1');
      if (done(text)) finish();
    };
    const onClose = (): void => (done(text) ? finish() : finish(new Error(`connection closed; read ${text.length} bytes: ${text.slice(0, 200)}`)));
    const timer = setTimeout(() => finish(new Error(`timed out; read ${text.length} bytes: ${text.slice(0, 200)}`)), timeoutMs);
    sock.on('data', onData);
    sock.on('close', onClose);
    if (done(text)) finish();
  });
}
