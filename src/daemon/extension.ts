/**
 * Parts of hearthd that only some hosts run (today the fleet link, with
 * [fleet] in hearth.toml). The daemon consults them at a few points of its
 * life through this one interface, so it never names a part, and a part is
 * reached only through import(): a host without it never loads its code
 * (test/fleet-lazy.test.ts).
 */
import type { DaemonSettings, LoadedConfig, LowerSource } from '../config/index.js';
import type { DaemonInfo, FleetApi } from '../control/daemon-api.js';
import type { FleetLinkHost } from './fleet-link.js';

export interface DaemonExtension {
  /** Folders laid out like a config dir, loaded under it (local names win). */
  readonly lowerSources: readonly LowerSource[];
  /** Every config the daemon takes into use, at boot and on each reload. */
  configLoaded(config: LoadedConfig): void;
  /** The boot is over: the runlevel's units are up. */
  booted(): void;
  /** SIGTERM, before the units stop. */
  stop(): Promise<void>;
  /** Its part of /v1/info. */
  info(): Partial<DaemonInfo>;
  /** The /v1/fleet routes, from the part that serves them. */
  readonly fleetApi?: FleetApi;
}

/** The parts hearth.toml asks for, loaded before the first config is read (their sources lie under it). */
export async function openExtensions(settings: DaemonSettings, host: FleetLinkHost): Promise<DaemonExtension[]> {
  const parts: DaemonExtension[] = [];
  if (settings.fleet) {
    const { FleetLink } = await import('./fleet-link.js');
    parts.push(await FleetLink.open(settings.fleet, host));
  }
  return parts;
}

/** Stops every part; a part that fails to stop is logged and never holds up the shutdown. */
export async function stopExtensions(parts: readonly DaemonExtension[], log: (message: string) => void): Promise<void> {
  await Promise.all(parts.map((p) => p.stop().catch((e: unknown) => log(`stopping a part of hearthd: ${e instanceof Error ? e.message : String(e)}`))));
}
