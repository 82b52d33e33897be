/**
 * A watch over the JSON gateway: one long POST whose response is a stream of
 * JSON messages, one per line. The stream is opened with etcd's "require
 * leader" flag, so a member that loses quorum cancels it instead of going
 * quiet; the owner then reopens from the last revision seen, on another member.
 */
import { EtcdError, b64, decodeKv, errorFromBody, prefixEnd, type EtcdClient, type KeyValue } from './etcd-client.js';

export interface WatchEvent {
  type: 'put' | 'delete';
  kv: KeyValue;
}

export interface WatchOptions {
  key: string;
  prefix?: boolean;
  /** First revision to deliver (the revision of a full read, plus one). */
  startRevision: number;
  onEvents(events: WatchEvent[], revision: number): void;
  /** The stream ended for a reason other than close(): reopen it (or resync on "compacted"). */
  onClose(error: EtcdError): void;
}

export interface Watch {
  close(): void;
  readonly endpoint: string;
}

interface WatchMessage {
  result?: {
    header?: { revision?: string };
    created?: boolean;
    canceled?: boolean;
    compact_revision?: string;
    cancel_reason?: string;
    events?: Array<{ type?: string; kv?: Record<string, string> }>;
  };
  error?: Record<string, unknown>;
}

/** Opens a watch; resolves once etcd confirms it, rejects when it cannot be opened. */
export async function openWatch(client: EtcdClient, options: WatchOptions): Promise<Watch> {
  const body = {
    create_request: {
      key: b64(options.key),
      ...(options.prefix ? { range_end: prefixEnd(options.key) } : {}),
      start_revision: options.startRevision,
      progress_notify: true,
    },
  };
  const { response, abort, endpoint } = await client.openStream('/v3/watch', body, { 'grpc-metadata-hasleader': 'true' });
  if (response.statusCode !== 200) {
    abort();
    throw new EtcdError('server', `etcd at ${endpoint} refused a watch with HTTP ${response.statusCode}`, endpoint);
  }
  return new Promise<Watch>((resolve, reject) => {
    let created = false;
    let closedByUs = false;
    let ended = false;
    let buffer = '';
    const watch: Watch = {
      endpoint,
      close() {
        closedByUs = true;
        abort();
      },
    };
    const finish = (error: EtcdError) => {
      if (ended) return;
      ended = true;
      abort();
      if (!created) reject(error);
      else if (!closedByUs) options.onClose(error);
    };
    const handle = (msg: WatchMessage) => {
      if (msg.error) return finish(errorFromBody(msg.error, 200, endpoint));
      const r = msg.result;
      if (!r) return;
      if (r.canceled) {
        const compacted = Number(r.compact_revision ?? 0) > 0;
        const reason = r.cancel_reason || (compacted ? `revision ${options.startRevision} was compacted` : 'canceled');
        return finish(new EtcdError(compacted ? 'compacted' : 'unavailable', `etcd at ${endpoint} ended a watch: ${reason}`, endpoint));
      }
      if (r.created && !created) {
        created = true;
        resolve(watch);
      }
      if (r.events && r.events.length > 0) {
        const events = r.events.map((e) => ({ type: e.type === 'DELETE' ? ('delete' as const) : ('put' as const), kv: decodeKv(e.kv ?? {}) }));
        options.onEvents(events, Number(r.header?.revision ?? 0));
      }
    };
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      buffer += chunk;
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (!line) continue;
        try {
          handle(JSON.parse(line) as WatchMessage);
        } catch (e) {
          finish(new EtcdError('server', `etcd at ${endpoint} sent a watch message that is not JSON: ${(e as Error).message}`, endpoint));
        }
        if (ended) return;
      }
    });
    response.on('error', (e) => finish(new EtcdError('unreachable', `watch on etcd at ${endpoint} broke: ${e.message}`, endpoint)));
    response.on('close', () => finish(new EtcdError('unreachable', `etcd at ${endpoint} closed the watch`, endpoint)));
  });
}
