import { createHash } from 'node:crypto';
import type { ServiceDefinition } from '../model/index.js';

/** Regexes stringify to {}; compare them by source so an edited ready pattern counts as a change. */
function canonical(def: ServiceDefinition): string {
  const { origin, ...rest } = def;
  return JSON.stringify({ ...rest, file: origin.file }, (_k, v: unknown) => (v instanceof RegExp ? `/${v.source}/${v.flags}` : v));
}

/** A short fingerprint of a definition, kept with a running service's pid for crash recovery. */
export function definitionHash(def: ServiceDefinition): string {
  return createHash('sha1').update(canonical(def)).digest('hex').slice(0, 16);
}

/** Whether a reload must restart the service: any setting other than the origin's line changed. */
export function definitionsEqual(a: ServiceDefinition, b: ServiceDefinition): boolean {
  return canonical(a) === canonical(b);
}
