import type { ServiceDefinition } from '../model/index.js';
import { textHash } from '../util/text-hash.js';

/**
 * Settings the running process never sees, with the file's name for each:
 * what it is called and where it runs (description, runlevels, order), what
 * hearthd does when it exits or is stopped or reloaded, and where its output
 * goes. A reload applies them in place. Everything else (exec, user,
 * environment, limits, sockets, type, readiness, …) and any setting added
 * later restarts the service: a key must be listed here to be spared.
 */
const LIVE_SETTINGS = {
  description: 'description',
  runlevels: 'runlevels',
  requires: 'requires',
  after: 'after',
  before: 'before',
  provides: 'provides',
  restart: 'restart',
  backoff: 'restart_delay…',
  stopSignal: 'stop_signal',
  stopTimeoutMs: 'stop_timeout',
  reloadSignal: 'reload_signal',
  killMode: 'kill_mode',
  startTimeoutMs: 'start_timeout',
  log: 'log_…',
} as const satisfies Partial<Record<keyof ServiceDefinition, string>>;

type LiveKey = keyof typeof LIVE_SETTINGS;
const LIVE_KEYS = Object.keys(LIVE_SETTINGS) as LiveKey[];

/** Regexes stringify to {}; compare them by source so an edited ready pattern counts as a change. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (v instanceof RegExp ? `/${v.source}/${v.flags}` : v)) ?? 'undefined';
}

/** The definition as the process sees it: without the live settings, and without the line in its file. */
function processPart(def: ServiceDefinition): string {
  const { origin, ...rest } = def;
  const part: Record<string, unknown> = { ...rest, file: origin.file };
  for (const key of LIVE_KEYS) delete part[key];
  return canonical(part);
}

/**
 * A short fingerprint of what a running process was started from, kept with
 * its pid for crash recovery: "was it started from the definition we have
 * now?". Live settings are left out, as a reload applies them without a
 * restart. It only ever compares two versions of one service's file, so two
 * 32-bit FNV-1a passes with different offsets are plenty, and they spare the
 * boot loading node:crypto.
 */
export function definitionHash(def: ServiceDefinition): string {
  return textHash(processPart(def));
}

/** Whether two definitions are the same in every setting (the origin's line aside). */
export function definitionsEqual(a: ServiceDefinition, b: ServiceDefinition): boolean {
  return processPart(a) === processPart(b) && liveChanges(a, b).length === 0;
}

/**
 * What a reload does with a new definition of a running service: nothing,
 * apply it in place ("live", with the names of the settings that changed),
 * or restart the process.
 */
export type DefinitionChange = { kind: 'none' } | { kind: 'live'; settings: string[] } | { kind: 'restart' };

export function definitionChange(before: ServiceDefinition, after: ServiceDefinition): DefinitionChange {
  if (processPart(before) !== processPart(after)) return { kind: 'restart' };
  const settings = liveChanges(before, after);
  return settings.length === 0 ? { kind: 'none' } : { kind: 'live', settings };
}

function liveChanges(a: ServiceDefinition, b: ServiceDefinition): string[] {
  return LIVE_KEYS.filter((k) => canonical(a[k]) !== canonical(b[k])).map((k) => LIVE_SETTINGS[k]);
}
