/**
 * How hearthd reads its config: the config dir with the lower sources of its
 * extensions under it (the fleet's set), checked as this host can run it
 * (limits it cannot enforce are refused). `hearth check` of hearthd's own
 * dir reads it the same way, so it reports what hearthd would run.
 */
import { resolve } from 'node:path';
import { checkConfigDir, configReport, loadConfigSources, ServiceFileCache, type LoadedConfig, type LoadOptions } from '../config/index.js';
import type { ConfigReport } from '../control/daemon-api.js';
import type { DaemonExtension } from './extension.js';

export class ConfigHost {
  private current: LoadedConfig | undefined;
  /** A reload reads only the service files changed since the last load. */
  private readonly serviceFiles = new ServiceFileCache();

  constructor(
    private readonly configDir: string,
    /** Known once hearthd has set up process tracking; until then the loader asks the host itself. */
    private readonly limitSupport: () => LoadOptions['limitSupport'],
    /** Known once hearth.toml's parts are open (before the first load). */
    private readonly extensions: () => readonly DaemonExtension[],
    private readonly log: (level: 'warn' | 'error', message: string) => void,
  ) {}

  /** The config in use (undefined until the first load is taken). */
  get config(): LoadedConfig | undefined {
    return this.current;
  }

  load(): Promise<LoadedConfig> {
    return loadConfigSources(this.configDir, { limitSupport: this.limitSupport(), lower: this.extensions().flatMap((x) => x.lowerSources), serviceFiles: this.serviceFiles });
  }

  async check(dir?: string): Promise<ConfigReport> {
    if (dir === undefined || resolve(dir) === this.configDir) return configReport(await this.load());
    return checkConfigDir(dir, { limitSupport: this.limitSupport() });
  }

  /** Every problem of a loaded config goes to hearthd's log once, as `hearth check` would print it. */
  report(report: ConfigReport, includeWarnings = true): void {
    for (const e of report.errors) this.log('error', e.text);
    if (includeWarnings) for (const w of report.warnings) this.log('warn', w.text);
  }

  /** The config is now in use: the extensions hear of it. */
  use(config: LoadedConfig): void {
    this.current = config;
    for (const x of this.extensions()) x.configLoaded(config);
  }
}
