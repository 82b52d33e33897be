import type { ServiceDefinition } from '../model/index.js';

/** Regexes stringify to {}; compare them by source so an edited ready pattern counts as a change. */
function canonical(def: ServiceDefinition): string {
  const { origin, ...rest } = def;
  return JSON.stringify({ ...rest, file: origin.file }, (_k, v: unknown) => (v instanceof RegExp ? `/${v.source}/${v.flags}` : v));
}

/** Whether a reload must restart the service: any setting other than the origin's line changed. */
export function definitionsEqual(a: ServiceDefinition, b: ServiceDefinition): boolean {
  return canonical(a) === canonical(b);
}
