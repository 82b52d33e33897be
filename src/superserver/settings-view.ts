import type { InetdServiceDefinition } from '../model/index.js';

/** An inetd-style service's attributes as a reader wants to see them (status detail, the GUI). */
export function inetdSettings(def: InetdServiceDefinition): Record<string, unknown> {
  return {
    socket_type: def.socketType,
    protocol: def.protocol,
    wait: def.wait,
    ...(def.types.length ? { type: def.types.join(' ') } : {}),
    ...(def.user ? { user: def.user } : {}),
    ...(def.server ? { server: def.server, server_args: def.serverArgs.join(' ') } : {}),
    ...(def.onlyFrom ? { only_from: `${def.onlyFrom.length} pattern(s)` } : {}),
    ...(def.instances !== undefined ? { instances: def.instances } : {}),
    ...(def.perSource !== undefined ? { per_source: def.perSource } : {}),
    cps: `${def.cps.rate} ${def.cps.pauseSeconds}`,
    ...(def.flags.length ? { flags: def.flags.join(' ') } : {}),
  };
}
