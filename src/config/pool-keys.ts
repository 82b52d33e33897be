/**
 * The keys of a pre-forked worker pool in a native service file:
 *
 *   listen = ["tcp://0.0.0.0:8080"]
 *   workers = 4                       # a fixed pool, or the Apache-style range:
 *   min_spare = 2                     # grow while fewer idle workers
 *   max_spare = 6                     # shrink while more idle workers, after idle_timeout
 *   max_workers = 32                  # never more
 *   start_workers = 4                 # at start (default: min_spare, at least 1)
 *   worker_max_age = "1h"             # replace a worker this old (the new one first)
 *   pass_socket = "listen-fds"        # or "stdin": the one socket at fd 0 (inetd wait = yes style)
 *
 * Kept beside the service schema so pools are read in one place.
 */
import type { PoolSettings, ServiceDefinition } from '../model/index.js';
import { readDuration, readInt, readOneOf, type FieldContext, type KeyPath } from './toml-values.js';

export const POOL_KEYS = [
  'workers',
  'start_workers',
  'min_workers',
  'min_spare',
  'max_spare',
  'max_workers',
  'idle_timeout',
  'worker_max_age',
  'pass_socket',
] as const;
type PoolKey = (typeof POOL_KEYS)[number];

/** Hard cap: a typo such as 10000 must not fork-bomb the machine. */
const MAX_POOL_SIZE = 1024;

export type PoolDraft = Partial<Record<PoolKey, number | string>>;

/** Reads one pool key into the draft; validation across keys happens in finishPool. */
export function readPoolKey(c: FieldContext, path: KeyPath, key: PoolKey, v: unknown, draft: PoolDraft): void {
  switch (key) {
    case 'idle_timeout':
    case 'worker_max_age': {
      const ms = readDuration(c, path, v);
      if (ms !== undefined) draft[key] = ms;
      return;
    }
    case 'pass_socket': {
      const mode = readOneOf(c, path, v, ['listen-fds', 'stdin'] as const);
      if (mode !== undefined) draft[key] = mode;
      return;
    }
    default: {
      const min = key === 'min_spare' || key === 'min_workers' ? 0 : 1;
      const n = readInt(c, path, v, min, MAX_POOL_SIZE);
      if (n !== undefined) draft[key] = n;
    }
  }
}

/**
 * Turns the pool keys into PoolSettings, or reports why they do not make a
 * pool. Returns undefined when the file declares no pool at all.
 */
export function finishPool(c: FieldContext, draft: PoolDraft, def: Partial<ServiceDefinition>): PoolSettings | undefined {
  const given = POOL_KEYS.filter((k) => draft[k] !== undefined);
  if (given.length === 0) return undefined;
  const first: KeyPath = [given[0]!];
  const n = (k: PoolKey) => draft[k] as number | undefined;

  if ((def.listen ?? []).length === 0) {
    return c.error(first, `a worker pool ("${given[0]}") needs "listen" sockets for its workers to accept on`, 'add listen = ["tcp://127.0.0.1:8080"]', 'ERR_CONFIG_MISSING');
  }
  if (def.type === 'forking') return c.error(['type'], 'a worker pool cannot use type = "forking": hearth must be the parent of every worker');
  if (def.activation === 'on-demand') return c.error(['activation'], 'a worker pool starts its workers with the pool; activation = "on-demand" does not apply');
  if (def.ready?.kind === 'tcp') {
    return c.error(['ready'], 'ready = "tcp" cannot tell one worker from another on a shared socket', 'use ready = "notify" or ready = "log:REGEX" for pools');
  }
  const socketFd = (draft.pass_socket as PoolSettings['socketFd'] | undefined) ?? 'listen-fds';
  if (socketFd === 'stdin' && (def.listen ?? []).length !== 1) {
    return c.error(['pass_socket'], `pass_socket = "stdin" passes exactly one socket, but "listen" has ${(def.listen ?? []).length}`);
  }

  const dynamic = (['min_spare', 'max_spare', 'max_workers', 'min_workers'] as const).filter((k) => draft[k] !== undefined);
  const idleTimeoutMs = n('idle_timeout') ?? 10_000;
  const maxAge = n('worker_max_age');
  const common = { idleTimeoutMs, socketFd, ...(maxAge !== undefined ? { maxAgeMs: maxAge } : {}) };

  if (draft.workers !== undefined) {
    if (dynamic.length > 0 || draft.start_workers !== undefined) {
      const other = dynamic[0] ?? 'start_workers';
      return c.error([other], `"workers" fixes the pool size; "${other}" belongs to a pool that scales`, 'use either workers = N, or min_spare / max_spare / max_workers');
    }
    const size = n('workers')!;
    return { startWorkers: size, minWorkers: size, maxWorkers: size, minSpare: 0, maxSpare: size, ...common };
  }

  const maxWorkers = n('max_workers') ?? 16;
  const minSpare = n('min_spare') ?? Math.min(1, maxWorkers);
  const maxSpare = n('max_spare') ?? Math.max(minSpare + 1, Math.min(maxWorkers, minSpare * 2));
  const minWorkers = n('min_workers') ?? Math.max(1, Math.min(minSpare, maxWorkers));
  const startWorkers = n('start_workers') ?? Math.max(minWorkers, minSpare);
  if (minSpare > maxSpare) return c.error(['min_spare'], `"min_spare" (${minSpare}) is larger than "max_spare" (${maxSpare})`);
  if (minSpare > maxWorkers) return c.error(['min_spare'], `"min_spare" (${minSpare}) is larger than "max_workers" (${maxWorkers})`);
  if (minWorkers > maxWorkers) return c.error(['min_workers'], `"min_workers" (${minWorkers}) is larger than "max_workers" (${maxWorkers})`);
  if (startWorkers > maxWorkers || startWorkers < minWorkers) {
    return c.error(['start_workers'], `"start_workers" (${startWorkers}) must lie between min_workers (${minWorkers}) and max_workers (${maxWorkers})`);
  }
  return { startWorkers, minWorkers, maxWorkers, minSpare, maxSpare: Math.min(maxSpare, maxWorkers), ...common };
}
