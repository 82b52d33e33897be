/**
 * The keys of a timer (a scheduled job) in a native service file:
 *
 *   schedule = "30 4 * * *"       # cron syntax, 5 or 6 fields, or @daily…
 *   every = "15min"               # or a fixed interval
 *   persistent = true             # run a missed run once at the next start (anacron)
 *   random_delay = "10min"
 *   overlap = "skip"              # skip | queue | kill | parallel, when a run is due during the previous one
 *   timeout = "1h"
 *   start = "backup"              # start a service instead of running exec
 */
import type { ServiceDefinition, TimerSettings } from '../model/index.js';
import { parseCronSchedule } from '../schedule/index.js';
import { readDuration, readOneOf, readString, type FieldContext, type KeyPath } from './toml-values.js';

export const TIMER_KEYS = ['schedule', 'every', 'persistent', 'random_delay', 'overlap', 'timeout', 'start'] as const;
type TimerKey = (typeof TIMER_KEYS)[number];

export type TimerDraft = Partial<Record<TimerKey, string | number | boolean>>;

export function readTimerKey(c: FieldContext, path: KeyPath, key: TimerKey, v: unknown, draft: TimerDraft): void {
  switch (key) {
    case 'schedule': {
      const text = readString(c, path, v, { nonEmpty: true });
      if (text === undefined) return;
      try {
        parseCronSchedule(text);
        draft.schedule = text;
      } catch (e) {
        c.error(path, (e as Error).message);
      }
      return;
    }
    case 'every':
    case 'random_delay':
    case 'timeout': {
      const ms = readDuration(c, path, v);
      if (ms !== undefined) draft[key] = ms;
      return;
    }
    case 'persistent':
      if (typeof v === 'boolean') draft.persistent = v;
      else c.error(path, `"persistent" must be true or false, got ${JSON.stringify(v)}`);
      return;
    case 'overlap': {
      const o = readOneOf(c, path, v, ['skip', 'queue', 'kill', 'parallel'] as const);
      if (o !== undefined) draft.overlap = o;
      return;
    }
    case 'start': {
      const name = readString(c, path, v, { nonEmpty: true });
      if (name !== undefined) draft.start = name;
    }
  }
}

/** TimerSettings from the draft, or undefined when the file declares no timer. */
export function finishTimer(c: FieldContext, draft: TimerDraft, def: Partial<ServiceDefinition> & { hasExec: boolean }): TimerSettings | undefined {
  const given = TIMER_KEYS.filter((k) => draft[k] !== undefined);
  if (given.length === 0) return undefined;
  if (draft.schedule === undefined && draft.every === undefined) {
    return c.error([given[0]!], 'a timer needs "schedule" (cron syntax) or "every" (an interval)', 'schedule = "*/5 * * * *" or every = "15min"', 'ERR_CONFIG_MISSING');
  }
  if (draft.schedule !== undefined && draft.every !== undefined) return c.error(['every'], '"schedule" and "every" exclude each other');
  if (draft.every !== undefined && (draft.every as number) < 1000) return c.error(['every'], `"every" must be at least 1s, got ${draft.every}ms`);
  if (draft.start !== undefined && def.hasExec) return c.error(['start'], 'a timer either runs "exec" or starts a service ("start"), not both');
  if (draft.start === undefined && !def.hasExec) return c.error(given.includes('schedule') ? ['schedule'] : ['every'], 'a timer needs "exec" (the job) or "start" (a service to start)', undefined, 'ERR_CONFIG_MISSING');
  if (def.pool || (def.listen?.length ?? 0) > 0) return c.error([given[0]!], 'a timer cannot also be a pool or have listen sockets');
  return {
    ...(draft.schedule !== undefined ? { schedule: draft.schedule as string } : {}),
    ...(draft.every !== undefined ? { everyMs: draft.every as number } : {}),
    persistent: draft.persistent === true,
    randomDelayMs: (draft.random_delay as number | undefined) ?? 0,
    overlap: (draft.overlap as TimerSettings['overlap'] | undefined) ?? 'skip',
    ...(draft.timeout !== undefined ? { timeoutMs: draft.timeout as number } : {}),
    ...(draft.start !== undefined ? { startService: draft.start as string } : {}),
  };
}
