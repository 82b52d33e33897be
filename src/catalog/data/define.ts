import type { CatalogEntry, DaemonCategory, DaemonPort, Recommendation, RiskLevel } from '../entry.js';

/** Ports written as "22/tcp" or "514/udp". */
function ports(list: string[]): DaemonPort[] {
  return list.map((p) => {
    const [port, protocol] = p.split('/');
    return { port: Number(port), protocol: protocol === 'udp' ? 'udp' : 'tcp' };
  });
}

/** One catalog entry in a compact form, so the data files read as tables. */
export function daemon(
  name: string,
  aliases: string[],
  category: DaemonCategory,
  portList: string[],
  dependsOn: string[],
  risk: RiskLevel,
  riskReason: string,
  recommendation: Recommendation,
  description: string,
  successors?: string[],
): CatalogEntry {
  return { name, aliases, description, category, ports: ports(portList), dependsOn, risk, riskReason, recommendation, ...(successors ? { successors } : {}) };
}

/** Reasons used by many entries, worded once. */
export const WHY = {
  local: 'no network exposure',
  amplification: 'answers anyone, and a spoofed request turns it into traffic aimed at a victim (amplification, echo/chargen loops)',
  cleartext: 'cleartext remote access: passwords and the whole session cross the network readable',
  rarely: 'a network service almost nobody needs any more; every listener is attack surface',
  rpc: 'Sun RPC services have a long record of remote holes and expose host details',
  exposedIfUsed: 'listens on the network; safe only when patched and limited to the clients that need it',
  hardware: 'local hardware support; harmless, but useless where the hardware is absent',
} as const;
