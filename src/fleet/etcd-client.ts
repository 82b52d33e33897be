/**
 * A small etcd v3 client over etcd's JSON gateway (HTTP/1.1 + JSON, the same
 * API as gRPC with base64 keys and values), built on node:http/https. Chosen
 * over the gRPC client on npm for its cost: see docs/fleet.md for the figures.
 *
 * It speaks to one member at a time and moves to the next endpoint when the
 * member is unreachable, slow or without a leader, so a fleet keeps working
 * while any quorum-holding member answers, and waits out an election. Every
 * call has a deadline.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface EtcdTls {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
}

export interface EtcdClientOptions {
  endpoints: string[];
  tls?: EtcdTls;
  auth?: { user: string; password: string };
  /** Deadline of one request to one member; default 5 s. */
  requestTimeoutMs?: number;
  /**
   * The member to talk to first (an index into endpoints). Default: one picked
   * at random, so a fleet's hosts spread over the members instead of all
   * holding their watches and keepalives on the first one (measured: 1,000
   * hosts on member 0 took its RSS from 60 to 334 MiB; see docs/fleet.md).
   */
  startAt?: number;
}

export interface KeyValue {
  key: string;
  value: string;
  createRevision: number;
  modRevision: number;
  version: number;
  /** The lease the key is attached to, "0" when none. */
  lease: string;
}

/** Why a call failed, in the terms a caller acts on. */
export type EtcdErrorKind =
  | 'unreachable' // no connection to any member, or it broke
  | 'timeout' // the member did not answer in time (it may have lost quorum)
  | 'unavailable' // the member answered: no leader, or timed out inside etcd
  | 'auth' // the token expired or the password is wrong
  | 'permission' // RBAC refused the key
  | 'not-found' // e.g. a lease that expired
  | 'compacted' // a watch asked for history etcd no longer keeps
  | 'server'; // anything else etcd said

export class EtcdError extends Error {
  constructor(
    readonly kind: EtcdErrorKind,
    message: string,
    readonly endpoint?: string,
    readonly grpcCode?: number,
  ) {
    super(message);
    this.name = 'EtcdError';
  }
}

/** gRPC status codes etcd returns through the gateway. */
const GRPC_KIND: Record<number, EtcdErrorKind> = { 4: 'timeout', 5: 'not-found', 7: 'permission', 14: 'unavailable', 16: 'auth' };
const MOVE_ON: ReadonlySet<EtcdErrorKind> = new Set(['unreachable', 'timeout', 'unavailable']);
/** The first pause before asking members without a leader again, doubling up to the most; etcd's default election timeout is 1 s. */
const ELECTION_PAUSE_MS = 50;
const MAX_ELECTION_PAUSE_MS = 400;

export interface RangeOptions {
  prefix?: boolean;
  keysOnly?: boolean;
  limit?: number;
  revision?: number;
}

export interface TxnCompare {
  key: string;
  target: 'VERSION' | 'MOD' | 'CREATE' | 'VALUE';
  result?: 'EQUAL' | 'NOT_EQUAL' | 'GREATER' | 'LESS';
  value: number | string;
}

export type TxnOp =
  | { put: { key: string; value: string; lease?: string } }
  | { delete: { key: string; prefix?: boolean; rangeEnd?: string } }
  | { range: { key: string; prefix?: boolean } };

export interface TxnResult {
  succeeded: boolean;
  revision: number;
  /** Key-values of the range operations that ran, in order. */
  ranges: KeyValue[][];
}

export const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string | undefined): string => (s ? Buffer.from(s, 'base64').toString('utf8') : '');

/** The first key after every key that starts with prefix (etcd's range_end for a prefix). */
export function prefixEnd(prefix: string): string {
  const bytes = Buffer.from(prefix, 'utf8');
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i]! < 0xff) {
      const end = Buffer.from(bytes.subarray(0, i + 1));
      end[i] = end[i]! + 1;
      return end.toString('base64');
    }
  }
  return Buffer.from([0]).toString('base64');
}

interface RawKv {
  key?: string;
  value?: string;
  create_revision?: string;
  mod_revision?: string;
  version?: string;
  lease?: string;
}

export function decodeKv(kv: RawKv): KeyValue {
  return {
    key: unb64(kv.key),
    value: unb64(kv.value),
    createRevision: Number(kv.create_revision ?? 0),
    modRevision: Number(kv.mod_revision ?? 0),
    version: Number(kv.version ?? 0),
    lease: kv.lease ?? '0',
  };
}

export class EtcdClient {
  readonly endpoints: readonly string[];
  private current = 0;
  private readonly timeoutMs: number;
  private readonly httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 8 });
  private readonly httpsAgent: HttpsAgent;
  private token: string | undefined;
  private closed = false;

  constructor(private readonly options: EtcdClientOptions) {
    if (options.endpoints.length === 0) throw new EtcdError('unreachable', 'no etcd endpoints given');
    this.endpoints = [...options.endpoints];
    this.current = (options.startAt ?? Math.floor(Math.random() * this.endpoints.length)) % this.endpoints.length;
    this.timeoutMs = options.requestTimeoutMs ?? 5000;
    this.httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 8, ...options.tls });
  }

  /** The member requests go to now. */
  get endpoint(): string {
    return this.endpoints[this.current]!;
  }

  async range(key: string, options: RangeOptions = {}): Promise<{ kvs: KeyValue[]; revision: number; count: number }> {
    const r = await this.call<{ kvs?: RawKv[]; header?: { revision?: string }; count?: string }>('/v3/kv/range', {
      key: b64(key),
      ...(options.prefix ? { range_end: prefixEnd(key) } : {}),
      ...(options.keysOnly ? { keys_only: true } : {}),
      ...(options.limit ? { limit: options.limit } : {}),
      ...(options.revision ? { revision: options.revision } : {}),
    });
    return { kvs: (r.kvs ?? []).map(decodeKv), revision: Number(r.header?.revision ?? 0), count: Number(r.count ?? 0) };
  }

  async get(key: string): Promise<KeyValue | undefined> {
    return (await this.range(key)).kvs[0];
  }

  async put(key: string, value: string, options: { lease?: string } = {}): Promise<number> {
    const r = await this.call<{ header?: { revision?: string } }>('/v3/kv/put', {
      key: b64(key),
      value: b64(value),
      ...(options.lease ? { lease: options.lease } : {}),
    });
    return Number(r.header?.revision ?? 0);
  }

  async delete(key: string, options: { prefix?: boolean } = {}): Promise<number> {
    const r = await this.call<{ deleted?: string }>('/v3/kv/deleterange', { key: b64(key), ...(options.prefix ? { range_end: prefixEnd(key) } : {}) });
    return Number(r.deleted ?? 0);
  }

  async txn(compare: TxnCompare[], success: TxnOp[], failure: TxnOp[] = []): Promise<TxnResult> {
    const r = await this.call<{ succeeded?: boolean; header?: { revision?: string }; responses?: Array<{ response_range?: { kvs?: RawKv[] } }> }>('/v3/kv/txn', {
      compare: compare.map(encodeCompare),
      success: success.map(encodeOp),
      failure: failure.map(encodeOp),
    });
    const ranges = (r.responses ?? []).filter((x) => x.response_range).map((x) => (x.response_range!.kvs ?? []).map(decodeKv));
    return { succeeded: r.succeeded === true, revision: Number(r.header?.revision ?? 0), ranges };
  }

  async leaseGrant(ttlSeconds: number): Promise<{ id: string; ttl: number }> {
    const r = await this.call<{ ID?: string; TTL?: string }>('/v3/lease/grant', { TTL: ttlSeconds });
    if (!r.ID) throw new EtcdError('server', 'etcd granted no lease');
    return { id: r.ID, ttl: Number(r.TTL ?? ttlSeconds) };
  }

  /** One keepalive; the seconds left, or 0 when the lease is gone (expired or revoked). */
  async leaseKeepAlive(id: string, timeoutMs?: number): Promise<number> {
    const r = await this.call<{ result?: { TTL?: string } }>('/v3/lease/keepalive', { ID: id }, timeoutMs);
    return Number(r.result?.TTL ?? 0);
  }

  /**
   * The lease as etcd's leader sees it. ttl is whole seconds left, truncated
   * toward zero (etcd: "will expire in under TTL+1 seconds"), so 0 is within a
   * second either side of expiry and below 0 is past it. A lease that is gone
   * (revoked, or expired and deleted) reads -1 with grantedTtl 0: the gateway
   * answers that, not an error. The gateway leaves out fields that are 0, so
   * a lease in its last second comes without a TTL: that is 0, not gone.
   */
  async leaseTimeToLive(id: string, timeoutMs?: number): Promise<{ ttl: number; grantedTtl: number }> {
    try {
      const r = await this.call<{ TTL?: string; grantedTTL?: string }>('/v3/lease/timetolive', { ID: id }, timeoutMs);
      return { ttl: Number(r.TTL ?? 0), grantedTtl: Number(r.grantedTTL ?? 0) };
    } catch (e) {
      if (e instanceof EtcdError && e.kind === 'not-found') return { ttl: -1, grantedTtl: 0 };
      throw e;
    }
  }

  async leaseRevoke(id: string, timeoutMs?: number): Promise<void> {
    try {
      await this.call('/v3/lease/revoke', { ID: id }, timeoutMs);
    } catch (e) {
      if (!(e instanceof EtcdError && e.kind === 'not-found')) throw e;
    }
  }

  /** The member's view: version, leader (member id, "0" when none), raft term (a new term means a new election), its own id. */
  async status(): Promise<{ version: string; leader: string; raftTerm: number; memberId: string; endpoint: string }> {
    const endpoint = this.endpoint;
    const r = await this.call<{ version?: string; leader?: string; raftTerm?: string; header?: { member_id?: string } }>('/v3/maintenance/status', {});
    return { version: r.version ?? '', leader: r.leader ?? '0', raftTerm: Number(r.raftTerm ?? 0), memberId: r.header?.member_id ?? '', endpoint };
  }

  /** Headers for a request on the current endpoint, with a fresh token when auth is on. */
  async headers(): Promise<Record<string, string>> {
    const h: Record<string, string> = { 'content-type': 'application/json' };
    if (this.options.auth) {
      this.token ??= await this.authenticate();
      h.authorization = this.token;
    }
    return h;
  }

  /** Opens a streaming POST (watch) on the current endpoint; the caller reads the response. */
  async openStream(path: string, body: unknown, extraHeaders: Record<string, string>): Promise<{ response: IncomingMessage; abort(): void; endpoint: string }> {
    const endpoint = this.endpoint;
    const headers = { ...(await this.headers()), ...extraHeaders };
    return new Promise((resolve, reject) => {
      const req = this.send(endpoint, path, headers, (response) => resolve({ response, abort: () => req.destroy(), endpoint }));
      // Only the connection is bounded: the stream itself may stay open for hours.
      const timer = setTimeout(() => req.destroy(new EtcdError('timeout', `etcd at ${endpoint} did not answer in ${this.timeoutMs} ms`, endpoint)), this.timeoutMs);
      req.once('response', () => clearTimeout(timer));
      req.once('error', (e) => {
        clearTimeout(timer);
        reject(asEtcdError(e, endpoint));
      });
      req.end(JSON.stringify(body));
    });
  }

  /** Moves on to the next member: the current one failed us. */
  rotate(): void {
    this.current = (this.current + 1) % this.endpoints.length;
    this.token = undefined;
  }

  close(): void {
    this.closed = true;
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private async authenticate(): Promise<string> {
    const { user, password } = this.options.auth!;
    const r = await this.once<{ token?: string }>(this.endpoint, '/v3/auth/authenticate', { name: user, password }, {}, this.timeoutMs);
    if (!r.token) throw new EtcdError('auth', `etcd gave no token to user "${user}"`, this.endpoint);
    return r.token;
  }

  /**
   * One request, to the members in turn. A member that answers without a
   * leader ("no leader", "leader changed": an election is under way, after
   * the leader was lost) means the cluster may be back in a moment: the round
   * is tried again after a pause, until the call's deadline. A request that
   * came back "leader changed" may have been applied; the writes that retry
   * through here are idempotent or check for it (writeVersion in desired.ts).
   */
  private async call<T>(path: string, body: unknown, timeoutMs = this.timeoutMs): Promise<T> {
    if (this.closed) throw new EtcdError('unreachable', 'the etcd client is closed');
    const deadline = Date.now() + timeoutMs;
    for (let pause = ELECTION_PAUSE_MS; ; pause = Math.min(2 * pause, MAX_ELECTION_PAUSE_MS)) {
      const round = await this.eachMember<T>(path, body, timeoutMs);
      if (round.ok) return round.value;
      if (!round.electing || this.closed || Date.now() + pause >= deadline) throw round.error;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  /** One round: the request moved to the next member on a connection-level failure or a member without a leader, until each was tried once. */
  private async eachMember<T>(path: string, body: unknown, timeoutMs: number): Promise<{ ok: true; value: T } | { ok: false; error: unknown; electing: boolean }> {
    let last: unknown;
    let electing: EtcdError | undefined;
    let reauthenticated = false;
    for (let tried = 0; tried < this.endpoints.length; ) {
      const endpoint = this.endpoint;
      try {
        return { ok: true, value: await this.once<T>(endpoint, path, body, await this.headers(), timeoutMs) };
      } catch (e) {
        last = e;
        const kind = e instanceof EtcdError ? e.kind : 'server';
        if (kind === 'auth' && this.token !== undefined && !reauthenticated) {
          // Simple tokens expire; one fresh token per call, then the error stands.
          this.token = undefined;
          reauthenticated = true;
          continue;
        }
        if (!MOVE_ON.has(kind)) return { ok: false, error: e, electing: false };
        if (kind === 'unavailable') electing = e as EtcdError;
        this.rotate();
        tried++;
      }
    }
    // The member without a leader says more than the one that could not be reached.
    return electing ? { ok: false, error: electing, electing: true } : { ok: false, error: last, electing: false };
  }

  private once<T>(endpoint: string, path: string, body: unknown, headers: Record<string, string>, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const req = this.send(endpoint, path, headers, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => reject(asEtcdError(e, endpoint)));
        res.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Record<string, unknown>;
          try {
            json = JSON.parse(text) as Record<string, unknown>;
          } catch {
            reject(new EtcdError('server', `etcd at ${endpoint} answered ${path} with HTTP ${res.statusCode} and no JSON`, endpoint));
            return;
          }
          // Streaming endpoints (keepalive) wrap their answer, and errors, in "result"/"error".
          const failed = res.statusCode !== 200 || (json.error !== null && typeof json.error === 'object');
          if (failed) reject(errorFromBody(res.statusCode !== 200 ? json : (json.error as Record<string, unknown>), res.statusCode, endpoint));
          else resolve(json as T);
        });
      });
      const timer = setTimeout(() => req.destroy(new EtcdError('timeout', `etcd at ${endpoint} did not answer ${path} in ${timeoutMs} ms`, endpoint)), timeoutMs);
      req.once('error', (e) => {
        clearTimeout(timer);
        reject(asEtcdError(e, endpoint));
      });
      req.end(JSON.stringify(body));
    });
  }

  private send(endpoint: string, path: string, headers: Record<string, string>, onResponse: (res: IncomingMessage) => void) {
    const url = new URL(path, endpoint);
    const tls = url.protocol === 'https:';
    return (tls ? httpsRequest : httpRequest)(url, { method: 'POST', headers, agent: tls ? this.httpsAgent : this.httpAgent }, onResponse);
  }
}

function asEtcdError(e: unknown, endpoint: string): EtcdError {
  if (e instanceof EtcdError) return e;
  const err = e as NodeJS.ErrnoException;
  return new EtcdError('unreachable', `etcd at ${endpoint} is unreachable: ${err.code ?? err.message}`, endpoint);
}

/** The gateway's error shapes: {error, message, code} for calls, {grpc_code, message} inside streams. */
export function errorFromBody(body: Record<string, unknown>, status: number | undefined, endpoint: string): EtcdError {
  const code = Number(body.code ?? body.grpc_code ?? 0);
  const message = String(body.message ?? body.error ?? `HTTP ${status}`);
  const kind = /authentication failed|invalid auth token|user name is empty/.test(message) ? 'auth' : (GRPC_KIND[code] ?? 'server');
  return new EtcdError(kind, `etcd at ${endpoint}: ${message}`, endpoint, code);
}

function encodeCompare(c: TxnCompare): Record<string, unknown> {
  const field = { VERSION: 'version', MOD: 'mod_revision', CREATE: 'create_revision', VALUE: 'value' }[c.target];
  return { key: b64(c.key), target: c.target, result: c.result ?? 'EQUAL', [field]: c.target === 'VALUE' ? b64(String(c.value)) : String(c.value) };
}

function encodeOp(op: TxnOp): Record<string, unknown> {
  if ('put' in op) return { request_put: { key: b64(op.put.key), value: b64(op.put.value), ...(op.put.lease ? { lease: op.put.lease } : {}) } };
  if ('delete' in op) {
    const end = op.delete.rangeEnd !== undefined ? b64(op.delete.rangeEnd) : op.delete.prefix ? prefixEnd(op.delete.key) : undefined;
    return { request_delete_range: { key: b64(op.delete.key), ...(end ? { range_end: end } : {}) } };
  }
  return { request_range: { key: b64(op.range.key), ...(op.range.prefix ? { range_end: prefixEnd(op.range.key) } : {}) } };
}
