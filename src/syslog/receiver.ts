/**
 * A syslogd for hearth: a unix datagram socket (through the hearth-dgram
 * helper, which also reports each sender's pid) and optionally UDP on
 * loopback. Every message lands in the journal under the service that sent
 * it — by the sender's pid, then the pid in the message, then its tag — so a
 * classic daemon that only speaks syslog shows up in `hearth logs NAME`.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { Journal } from '../journal/index.js';
import { DgramReceiver } from '../native/index.js';
import { parseSyslog, type SyslogMessage } from './parse.js';

export interface SyslogReceiverOptions {
  journal: Journal;
  /** Unix datagram socket path (e.g. RUNTIME_DIR/syslog.sock, or /dev/log when hearth is the system logger). */
  socketPath?: string;
  /** UDP port on 127.0.0.1; 0 picks a free one. */
  udpPort?: number;
  /** The service a pid or tag belongs to, if any. */
  attribute(pid: number | undefined, appName: string | undefined): string | undefined;
  /** Where unattributed messages go. */
  fallback?: string;
  /** Per sender, messages per second before dropping (counted and reported). */
  ratePerSecond?: number;
}

export class SyslogReceiver {
  private unix: DgramReceiver | undefined;
  private udp: Socket | undefined;
  private readonly windows = new Map<string, { second: number; count: number; dropped: number }>();

  constructor(private readonly options: SyslogReceiverOptions) {}

  async start(): Promise<{ udpPort?: number }> {
    if (this.options.socketPath) {
      this.unix = new DgramReceiver(this.options.socketPath, (d) => this.receive(d.payload, d.pid), 0o666);
      await this.unix.start();
    }
    if (this.options.udpPort !== undefined) {
      const udp = createSocket('udp4');
      this.udp = udp;
      udp.on('message', (msg) => this.receive(msg, undefined));
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(this.options.udpPort, '127.0.0.1', () => resolve());
      });
      return { udpPort: udp.address().port };
    }
    return {};
  }

  stop(): void {
    this.unix?.stop();
    this.udp?.close();
  }

  private receive(payload: Buffer, senderPid: number | undefined): void {
    const msg = parseSyslog(payload);
    const procId = msg.procId && /^\d+$/.test(msg.procId) ? Number(msg.procId) : undefined;
    const service =
      (senderPid ? this.options.attribute(senderPid, undefined) : undefined) ??
      (procId ? this.options.attribute(procId, undefined) : undefined) ??
      this.options.attribute(undefined, msg.appName) ??
      this.options.fallback ??
      'syslog';
    if (!this.admit(`${service}/${senderPid ?? msg.appName ?? ''}`, service)) return;
    this.options.journal.record(service, { stream: 'syslog', text: format(msg), priority: msg.severity });
  }

  /** Simple per-sender rate limit; a burst past it is summarised in one record when it ends. */
  private admit(key: string, service: string): boolean {
    const limit = this.options.ratePerSecond ?? 2000;
    const second = Math.floor(Date.now() / 1000);
    let w = this.windows.get(key);
    if (!w || w.second !== second) {
      if (w && w.dropped > 0) {
        this.options.journal.record(service, { stream: 'syslog', text: `hearth: dropped ${w.dropped} syslog messages (over ${limit}/s)`, priority: 4 });
      }
      w = { second, count: 0, dropped: 0 };
      this.windows.set(key, w);
      if (this.windows.size > 10_000) this.windows.clear();
    }
    if (++w.count > limit) {
      w.dropped++;
      return false;
    }
    return true;
  }
}

/** As syslogd would show it: "tag[pid]: message". */
function format(m: SyslogMessage): string {
  const tag = m.appName ? `${m.appName}${m.procId ? `[${m.procId}]` : ''}: ` : '';
  return `${tag}${m.message}`;
}
