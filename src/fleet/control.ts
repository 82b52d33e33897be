/**
 * Requests to one host through etcd alone, so the CLI needs no route to the
 * host: the requester writes /hearth/control/NAME/request on a lease of its
 * own (if it gives up or dies the request vanishes, so a host that comes back
 * late never acts on a stale one); the host's agent acts on it and answers in
 * /hearth/hosts/NAME/ack with the request's id.
 */
import { randomUUID } from 'node:crypto';
import { HearthError } from '../errors/index.js';
import type { EtcdClient } from './etcd-client.js';
import { ackKey, requestKey } from './keys.js';

export interface ControlRequest {
  id: string;
  action: 'restart';
  unit: string;
  by: string;
}

export interface ControlAck {
  id: string;
  ok: boolean;
  error?: string;
  at: number;
}

export function decodeRequest(text: string): ControlRequest | undefined {
  try {
    const r = JSON.parse(text) as ControlRequest;
    return typeof r.id === 'string' && r.action === 'restart' && typeof r.unit === 'string' ? r : undefined;
  } catch {
    return undefined;
  }
}

export function decodeAck(text: string | undefined): ControlAck | undefined {
  if (!text) return undefined;
  try {
    const a = JSON.parse(text) as ControlAck;
    return typeof a.id === 'string' && typeof a.ok === 'boolean' ? a : undefined;
  } catch {
    return undefined;
  }
}

export interface RequestOptions {
  timeoutMs: number;
  by?: string;
  pollMs?: number;
}

/** Asks host to restart unit and waits for its answer; throws with the host's own reason on failure. */
export async function requestRestart(client: EtcdClient, host: string, unit: string, options: RequestOptions): Promise<ControlAck> {
  const id = randomUUID();
  const lease = await client.leaseGrant(Math.ceil(options.timeoutMs / 1000) + 5);
  try {
    const request: ControlRequest = { id, action: 'restart', unit, by: options.by ?? 'hearth' };
    await client.put(requestKey(host), JSON.stringify(request), { lease: lease.id });
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
      const ack = decodeAck((await client.get(ackKey(host)).catch(() => undefined))?.value);
      if (ack?.id === id) {
        if (!ack.ok) throw new HearthError('ERR_FLEET', `host "${host}" could not restart "${unit}": ${ack.error ?? 'no reason given'}`);
        return ack;
      }
      if (Date.now() > deadline) {
        throw new HearthError('ERR_FLEET', `host "${host}" did not confirm the restart of "${unit}" within ${Math.round(options.timeoutMs / 1000)} s`, {
          hint: 'the host may be down, cut off from etcd, or the unit slow to become ready',
        });
      }
      await new Promise((r) => setTimeout(r, options.pollMs ?? 200));
    }
  } finally {
    await client.leaseRevoke(lease.id).catch(() => {});
  }
}
