import type { SystemctlOptions } from './args.js';

/** `systemctl show`'s Key=Value lines, limited to -p properties, values alone with --value. */
export function showProperties(props: Record<string, string>, options: Pick<SystemctlOptions, 'properties' | 'value' | 'all'>): string[] {
  const keys = options.properties.length ? options.properties : Object.keys(props);
  const out: string[] = [];
  for (const k of keys) {
    const v = props[k];
    if (v === undefined && !options.properties.length) continue;
    if (!options.all && !options.properties.length && v === '') continue;
    out.push(options.value ? (v ?? '') : `${k}=${v ?? ''}`);
  }
  return out;
}
