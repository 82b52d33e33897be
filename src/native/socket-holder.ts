import { spawn, type ChildProcess } from 'node:child_process';
import { HearthError } from '../errors/index.js';
import { helperBuildAdvice, nativeHelperPath } from './helper-path.js';
import { lineSplitter } from '../util/line-splitter.js';

/** One socket to hold: a kind and an address as hearth-socket reads it (/path, @abstract, PORT, HOST:PORT, [V6]:PORT). */
export interface HeldSocketSpec {
  kind: 'stream' | 'dgram' | 'seqpacket';
  address: string;
}

export interface SocketHolderOptions {
  /** Where services fetch copies of the sockets (a private unix socket). */
  controlPath: string;
  /** Unix socket files' mode and owner. */
  mode?: number;
  owner?: { uid: number; gid: number };
  backlog?: number;
  ipv6Only?: boolean;
  reusePort?: boolean;
  freeBind?: boolean;
  removeOnExit?: boolean;
}

/**
 * A socket unit's listening sockets, held by the hearth-socket helper so that
 * any kind of socket (unix datagram and seqpacket, abstract names) can be
 * handed to a service: its launch chain fetches them from `controlPath`
 * (hearth-exec --receive-fds). The holder says when a connection or datagram
 * waits, once per arm(), which is how the service is started on demand.
 */
export class SocketHolder {
  private child: ChildProcess | undefined;
  private onReadable: (() => void) | undefined;
  ports: number[] = [];

  constructor(
    private readonly specs: readonly HeldSocketSpec[],
    private readonly options: SocketHolderOptions,
  ) {}

  get controlPath(): string {
    return this.options.controlPath;
  }

  start(onReadable: () => void): Promise<void> {
    const helper = nativeHelperPath('hearth-socket');
    if (!helper) return Promise.reject(new HearthError('ERR_SPAWN', 'the native helper "hearth-socket" is not built', { hint: helperBuildAdvice() }));
    this.onReadable = onReadable;
    const o = this.options;
    const args = [
      ...(o.mode !== undefined ? ['--mode', o.mode.toString(8)] : []),
      ...(o.owner ? ['--owner', `${o.owner.uid}:${o.owner.gid}`] : []),
      ...(o.backlog !== undefined ? ['--backlog', String(o.backlog)] : []),
      ...(o.ipv6Only ? ['--ipv6-only'] : []),
      ...(o.reusePort ? ['--reuse-port'] : []),
      ...(o.freeBind ? ['--free-bind'] : []),
      ...(o.removeOnExit ? ['--remove-on-exit'] : []),
      o.controlPath,
      ...this.specs.flatMap((s) => [s.kind, s.address]),
    ];
    return new Promise((resolve, reject) => {
      const child = spawn(helper, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      this.child = child;
      let ready = false;
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()).length > 4096 && (stderr = stderr.slice(-4096)));
      child.on('error', (e) => reject(e));
      // 'close', not 'exit': the exit can come before the helper's stderr (its reason) is read.
      child.on('close', (code) => {
        this.child = undefined;
        if (!ready) reject(new HearthError('ERR_SPAWN', stderr.trim().replace(/^hearth-socket: /, '') || `hearth-socket exited with ${code}`));
      });
      child.stdin!.on('error', () => undefined);
      child.stdout!.setEncoding('utf8');
      child.stdout!.on(
        'data',
        lineSplitter((line) => {
          if (line.startsWith('ready')) {
            ready = true;
            this.ports = line.split(' ').slice(1).map(Number);
            resolve();
          } else if (line === 'readable') this.onReadable?.();
        }),
      );
    });
  }

  /** Watch again: the next connection or datagram is reported once. */
  arm(): void {
    this.child?.stdin?.write('arm\n');
  }

  /** Closes hearthd's hold on the sockets (a service that has copies keeps them); resolves when the helper is gone. */
  close(): Promise<void> {
    const child = this.child;
    if (!child) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.stdin?.end();
      child.kill('SIGTERM');
    });
  }
}
