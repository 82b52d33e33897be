import { readRegularFile } from './regular-file.js';

export const DEFAULT_SERVICES_FILE = '/etc/services';

/** Port lookup by service name and protocol, as getservbyname(3) does from /etc/services. */
export interface ServicesTable {
  port(name: string, protocol: string): number | undefined;
  /** Reverse lookup for messages and for the UDP loop guard. */
  name(port: number, protocol: string): string | undefined;
}

/**
 * Parses /etc/services text: "name port/proto [aliases...] [# comment]".
 * Bad lines are skipped, as libc does; the first entry for a name wins.
 */
export function parseEtcServices(text: string): ServicesTable {
  const byName = new Map<string, number>();
  const byPort = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const [name, portProto, ...aliases] = line.split(/\s+/);
    const m = /^(\d{1,5})\/([A-Za-z0-9-]+)$/.exec(portProto ?? '');
    if (!name || !m) continue;
    const port = Number(m[1]);
    const proto = m[2]!.toLowerCase();
    if (port > 65535) continue;
    for (const n of [name, ...aliases]) {
      const key = `${n}/${proto}`;
      if (!byName.has(key)) byName.set(key, port);
    }
    const pk = `${port}/${proto}`;
    if (!byPort.has(pk)) byPort.set(pk, name);
  }
  return {
    port: (name, protocol) => byName.get(`${name}/${protocol}`),
    name: (port, protocol) => byPort.get(`${port}/${protocol}`),
  };
}

/** Reads a services file; a missing file gives an empty table (containers often lack one). */
export async function loadEtcServices(path = DEFAULT_SERVICES_FILE): Promise<ServicesTable> {
  let text = '';
  try {
    text = readRegularFile(path);
  } catch {
    text = '';
  }
  return parseEtcServices(text);
}
