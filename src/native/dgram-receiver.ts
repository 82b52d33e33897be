import { spawn, type ChildProcess } from 'node:child_process';
import { HearthError } from '../errors/index.js';
import { helperBuildAdvice, nativeHelperPath } from './helper-path.js';

export interface Datagram {
  pid: number;
  uid: number;
  gid: number;
  payload: Buffer;
  /**
   * With `attribute`: the cgroup v2 path the helper read for the sender as
   * the datagram arrived, or for its first living ancestor when the sender
   * was already gone (undefined when none could be read).
   */
  cgroup?: string;
  /**
   * With `attribute`: the sender's ancestors, its parent first, up to (not
   * including) hearthd or init; for a sender already gone, as the kernel's
   * process events recorded them (undefined when none could be found).
   */
  lineage?: number[];
}

/**
 * A unix datagram socket served by the hearth-dgram helper (Node itself cannot
 * bind one). Each datagram arrives with the sender's pid/uid/gid as the kernel
 * reported them, which is how notify messages and syslog lines are attributed
 * to services.
 */
export class DgramReceiver {
  private child: ChildProcess | undefined;
  private pending: Buffer = Buffer.alloc(0);

  constructor(
    readonly socketPath: string,
    private readonly onDatagram: (d: Datagram) => void,
    private readonly mode = 0o600,
    /** Ask the helper for each sender's cgroup and ancestry (syslog, a pool's notify socket; see hearth-dgram.c). */
    private readonly attribute = false,
  ) {}

  start(): Promise<void> {
    const helper = nativeHelperPath('hearth-dgram');
    if (!helper) {
      return Promise.reject(
        new HearthError('ERR_SPAWN', 'the native helper "hearth-dgram" is not built', {
          hint: helperBuildAdvice(),
        }),
      );
    }
    return new Promise((resolve, reject) => {
      const args = [this.socketPath, this.mode.toString(8), ...(this.attribute ? ['--attribute'] : [])];
      const child = spawn(helper, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      this.child = child;
      let ready = false;
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', (e) => reject(e));
      // 'close', not 'exit': the exit can come before the helper's stderr (its reason) is read.
      child.on('close', (code) => {
        if (!ready) reject(new HearthError('ERR_SPAWN', `cannot listen on "${this.socketPath}": ${stderr.trim() || `exit ${code}`}`));
        this.child = undefined;
      });
      child.stdout!.on('data', (chunk: Buffer) => {
        this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
        if (!ready) {
          const nl = this.pending.indexOf(10);
          if (nl < 0) return;
          this.pending = this.pending.subarray(nl + 1);
          ready = true;
          resolve();
        }
        this.drain();
      });
    });
  }

  private drain(): void {
    for (;;) {
      const nl = this.pending.indexOf(10);
      if (nl < 0) return;
      const fields = this.pending.subarray(0, nl).toString('latin1').split(' ');
      const [pid, uid, gid, len] = fields.slice(0, 4).map(Number);
      if (len === undefined || this.pending.length < nl + 1 + len) return;
      const payload = Buffer.from(this.pending.subarray(nl + 1, nl + 1 + len));
      this.pending = this.pending.subarray(nl + 1 + len);
      const d: Datagram = { pid: pid!, uid: uid!, gid: gid!, payload };
      if (fields.length > 5) {
        if (fields[4] !== '-') d.lineage = fields[4]!.split(',').map(Number).filter((n) => n > 0);
        const cgroup = Buffer.from(fields.slice(5).join(' '), 'latin1').toString('utf8');
        if (cgroup !== '-') d.cgroup = cgroup;
      }
      this.onDatagram(d);
    }
  }

  stop(): void {
    this.child?.kill('SIGTERM');
    this.child = undefined;
  }
}
