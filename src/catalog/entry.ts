/**
 * One well-known daemon as the catalog describes it. The catalog is data in the
 * repo; descriptions are our own words. Consumers: `hearth catalog`, `hearth
 * audit`, ntsysv's F1 help and the web GUI's detail view.
 */

export type DaemonCategory =
  | 'network'
  | 'remote-access'
  | 'file-sharing'
  | 'storage'
  | 'printing'
  | 'hardware'
  | 'security'
  | 'time'
  | 'logging'
  | 'scheduling'
  | 'mail'
  | 'web'
  | 'database'
  | 'directory'
  | 'desktop'
  | 'system'
  | 'diagnostic'
  | 'legacy';

/** How much exposure running it brings, with the reason in the entry. */
export type RiskLevel = 'low' | 'medium' | 'high';

export type Recommendation =
  | 'essential'
  | 'keep-if-used'
  | 'disable-unless-needed'
  | 'never-on-public-interface';

export interface DaemonPort {
  port: number;
  protocol: 'tcp' | 'udp';
}

export interface CatalogEntry {
  /** The canonical name, as the init script or unit is usually called. */
  name: string;
  /** Other names for the same daemon: binaries, distro spellings, successors' unit names. */
  aliases: string[];
  description: string;
  category: DaemonCategory;
  ports: DaemonPort[];
  /** Catalog names (or facilities such as "network") it needs running first. */
  dependsOn: string[];
  risk: RiskLevel;
  riskReason: string;
  recommendation: Recommendation;
  /** Modern daemons that replace this one, when it is legacy. */
  successors?: string[];
}
