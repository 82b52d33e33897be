/**
 * A syslogd for hearth: a unix datagram socket (through the hearth-dgram
 * helper, which also reports each sender's pid as the kernel saw it, and the
 * cgroup it was in as the datagram arrived) and optionally UDP on loopback.
 * Every message lands in the journal under the service that sent it — by
 * the sender's cgroup or pid (or, for a sender already gone, its ancestors),
 * then the pid the message claims, then its tag — so a classic daemon that
 * only speaks syslog, and a `logger` run by a service's script, show up in
 * `hearth logs NAME`. Floods are cut per sender before any parsing.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { HearthError } from '../errors/index.js';
import type { Journal, SyslogFields } from '../journal/index.js';
import { DgramReceiver } from '../native/index.js';
import { formatSyslogPayload } from './format.js';
import type { SyslogMessage } from './message.js';
import { parseSyslogDatagram } from './parse.js';
import { SenderRateLimiter, type RateLimit, type Suppression } from './rate-limiter.js';

export interface SyslogReceiverOptions {
  /** Where records go; only record() is used. */
  journal: Pick<Journal, 'record'>;
  /** Unix datagram socket path (RUNTIME_DIR/syslog.sock, or /dev/log when hearth is the system logger). */
  socketPath?: string;
  /** Permissions of the socket file; default 0o666, as /dev/log must be writable by every user. */
  socketMode?: number;
  /** UDP port on 127.0.0.1; 0 picks a free one. Left out: no UDP. */
  udpPort?: number;
  /**
   * The service that sent a message (see SyslogSender: what is known of the
   * sender), or with no pid, the service its tag names; undefined when none.
   */
  attribute(sender: SyslogSender): string | undefined;
  /** Where unattributed messages go. Default "syslog". */
  fallback?: string;
  /** Per sender; default 10000 messages per 30 s (journald's default). false: no limit. */
  rateLimit?: RateLimit | false;
  /** A socket failed after start (UDP errors); the receiver keeps going. */
  onError?: (err: HearthError) => void;
}

/** What the receiver knows of a message's sender when it asks who that is. */
export interface SyslogSender {
  /** The sender's pid (as the kernel saw it, or as the message claims). */
  pid?: number;
  /**
   * The cgroup v2 path read as the datagram arrived: the sender's own, or
   * when it was already gone, that of its first living ancestor.
   */
  cgroup?: string;
  /** When the sender was gone: its ancestors up to that living one, parent first. */
  ancestors?: number[];
  /** The message's APP-NAME / tag. */
  appName?: string;
}

export interface SyslogStats {
  /** Datagrams received on any socket. */
  received: number;
  /** Records written to the journal (drop reports not counted). */
  recorded: number;
  /** Datagrams dropped by the rate limit. */
  dropped: number;
}

export const DEFAULT_SYSLOG_RATE_LIMIT: RateLimit = { burst: 10_000, intervalMs: 30_000 };
/**
 * A message no unit claims yet is asked about once more this much later:
 * a server started through hearth's helpers can log before hearthd has
 * heard its pid. At most MAX_DEFERRED wait at a time; beyond, no second try.
 */
const RETRY_MS = 200;
const MAX_DEFERRED = 1000;
export const DEFAULT_SYSLOG_FALLBACK = 'syslog';

export class SyslogReceiver {
  private unix: DgramReceiver | undefined;
  private udp: Socket | undefined;
  private readonly limiter: SenderRateLimiter | undefined;
  private readonly fallback: string;
  private received = 0;
  private recorded = 0;
  /** The helper's pipe may still hold datagrams after stop(); they must not reach a closing journal. */
  private stopped = false;
  /** Messages waiting for their second try; each flush() records it. */
  private readonly deferred = new Set<{ flush(): void }>();

  constructor(private readonly options: SyslogReceiverOptions) {
    this.fallback = options.fallback ?? DEFAULT_SYSLOG_FALLBACK;
    const limit = options.rateLimit === undefined ? DEFAULT_SYSLOG_RATE_LIMIT : options.rateLimit;
    if (limit) this.limiter = new SenderRateLimiter({ limit, onSuppressed: (s) => this.reportSuppressed(s) });
  }

  /** Binds the sockets asked for; rejects (with nothing left bound) if one cannot be. */
  async start(): Promise<{ udpPort?: number }> {
    const { socketPath, udpPort } = this.options;
    this.stopped = false;
    if (socketPath !== undefined) {
      const unix = new DgramReceiver(
        socketPath,
        (d) => this.receive(d.payload, d.pid > 0 ? { pid: d.pid, ...(d.cgroup ? { cgroup: d.cgroup } : {}), ...(d.lineage?.length ? { ancestors: d.lineage } : {}) } : undefined, `pid ${d.pid}`),
        this.options.socketMode ?? 0o666,
        true,
      );
      await unix.start();
      this.unix = unix;
    }
    if (udpPort !== undefined) {
      try {
        this.udp = await bindUdp(udpPort, (msg, from) => this.receive(msg, undefined, `${from.address}:${from.port}`), (e) => this.options.onError?.(e));
      } catch (e) {
        this.unix?.stop();
        this.unix = undefined;
        throw e;
      }
      return { udpPort: this.udp.address().port };
    }
    return {};
  }

  /** The UDP port actually bound (useful with port 0), if UDP is on. */
  get udpPort(): number | undefined {
    return this.udp?.address().port;
  }

  get socketPath(): string | undefined {
    return this.unix?.socketPath;
  }

  stats(): SyslogStats {
    return { received: this.received, recorded: this.recorded, dropped: this.limiter?.dropped ?? 0 };
  }

  /** Closes the sockets and writes any pending drop report and waiting message (synchronously, before the journal closes). */
  stop(): void {
    this.stopped = true;
    for (const d of [...this.deferred]) d.flush();
    this.unix?.stop();
    this.unix = undefined;
    this.udp?.close();
    this.udp = undefined;
    this.limiter?.flush();
  }

  /** One datagram from either socket; `sender` keys the rate limit (a pid or an address). */
  private receive(datagram: Buffer, from: Omit<SyslogSender, 'appName'> | undefined, sender: string): void {
    if (this.stopped) return;
    this.received++;
    if (this.limiter && !this.limiter.admit(sender)) return;
    const { message, body } = parseSyslogDatagram(datagram);
    const ts = Date.now();
    const file = (service: string): void => {
      this.limiter?.attach(sender, service);
      this.options.journal.record(service, { ts, stream: 'syslog', payload: formatSyslogPayload(message, body), priority: message.severity, syslog: syslogFields(message) });
      this.recorded++;
    };
    const service = this.serviceFor(from, message);
    if (service !== this.fallback || from?.pid === undefined || this.deferred.size >= MAX_DEFERRED) return file(service);
    const entry = {
      flush: (): void => {
        clearTimeout(timer);
        if (!this.deferred.delete(entry)) return;
        file(this.serviceFor(from, message));
      },
    };
    const timer = setTimeout(entry.flush, RETRY_MS);
    timer.unref();
    this.deferred.add(entry);
  }

  private serviceFor(from: Omit<SyslogSender, 'appName'> | undefined, m: SyslogMessage): string {
    const claimed = m.procId !== undefined && /^[1-9]\d{0,9}$/.test(m.procId) ? Number(m.procId) : undefined;
    const app = m.appName !== undefined ? { appName: m.appName } : {};
    return (
      (from !== undefined ? this.ask({ ...from, ...app }) : undefined) ??
      (claimed !== undefined && claimed !== from?.pid ? this.ask({ pid: claimed, ...app }) : undefined) ??
      (m.appName !== undefined ? this.ask(app) : undefined) ??
      this.fallback
    );
  }

  /** The callback is someone else's code; a throw there must not cost the message. */
  private ask(sender: SyslogSender): string | undefined {
    try {
      return this.options.attribute(sender) || undefined;
    } catch {
      return undefined;
    }
  }

  private reportSuppressed(s: Suppression): void {
    const seconds = s.limit.intervalMs / 1000;
    const text = `hearth: suppressed ${s.dropped} syslog message${s.dropped === 1 ? '' : 's'} from ${s.sender} (more than ${s.limit.burst} in ${seconds}s)`;
    this.options.journal.record(s.owner ?? this.fallback, { stream: 'syslog', text, priority: 4 });
  }
}

/** What the journal keeps of the header besides the text and severity. */
export function syslogFields(m: SyslogMessage): SyslogFields {
  const f: SyslogFields = { facility: m.facility };
  if (m.hostname !== undefined) f.hostname = m.hostname;
  if (m.appName !== undefined) f.appName = m.appName;
  if (m.procId !== undefined) f.procId = m.procId;
  if (m.msgId !== undefined) f.msgId = m.msgId;
  if (m.structuredData !== undefined) f.structuredData = m.structuredData;
  return f;
}

function bindUdp(port: number, onMessage: (msg: Buffer, from: RemoteInfo) => void, onError: (e: HearthError) => void): Promise<Socket> {
  const udp = createSocket('udp4');
  return new Promise((resolve, reject) => {
    const failed = (e: NodeJS.ErrnoException): void => {
      try {
        udp.close();
      } catch {
        // never bound: nothing to close
      }
      const code = e.code === 'EADDRINUSE' ? 'ERR_SOCKET_IN_USE' : 'ERR_SPAWN';
      reject(new HearthError(code, `cannot listen for syslog on udp "127.0.0.1:${port}": ${e.message}`, { cause: e }));
    };
    udp.once('error', failed);
    udp.bind(port, '127.0.0.1', () => {
      udp.off('error', failed);
      // An unhandled 'error' would take hearthd down; report it and keep receiving.
      udp.on('error', (e) => onError(new HearthError('ERR_INTERNAL', `syslog udp socket: ${e.message}`, { cause: e })));
      udp.on('message', onMessage);
      resolve(udp);
    });
  });
}
