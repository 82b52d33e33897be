import type { ServiceDefinition } from '../model/index.js';

/** Regexes stringify to {}; compare them by source so an edited ready pattern counts as a change. */
function canonical(def: ServiceDefinition): string {
  const { origin, ...rest } = def;
  return JSON.stringify({ ...rest, file: origin.file }, (_k, v: unknown) => (v instanceof RegExp ? `/${v.source}/${v.flags}` : v));
}

/**
 * A short fingerprint of a definition, kept with a running service's pid for
 * crash recovery: "was it started from the definition we have now?". It only
 * ever compares two versions of one service's file, so two 32-bit FNV-1a
 * passes with different offsets are plenty, and they spare the boot loading
 * node:crypto.
 */
export function definitionHash(def: ServiceDefinition): string {
  const text = canonical(def);
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/** Whether a reload must restart the service: any setting other than the origin's line changed. */
export function definitionsEqual(a: ServiceDefinition, b: ServiceDefinition): boolean {
  return canonical(a) === canonical(b);
}
