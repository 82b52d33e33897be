/**
 * How hearthd reads its config: the config dir with the lower sources of its
 * extensions under it (the fleet's set), checked as this host can run it
 * (limits it cannot enforce are refused). `hearth check` of hearthd's own
 * dir reads it the same way, so it reports what hearthd would run.
 */
import { join, resolve } from 'node:path';
import { checkConfigDir, configReport, loadConfigSources, RACY_MS, ServiceFileCache, type LoadedConfig, type LoadOptions } from '../config/index.js';
import type { ConfigReport } from '../control/daemon-api.js';
import type { DaemonExtension } from './extension.js';
import { ServiceDirWatch } from './service-dir-watch.js';

export class ConfigHost {
  private current: LoadedConfig | undefined;
  /** The background check of files read too soon after they changed (ServiceFileCache.settle). */
  private settling: NodeJS.Timeout | undefined;

  constructor(
    private readonly configDir: string,
    /** Known once hearthd has set up process tracking; until then the loader asks the host itself. */
    private readonly limitSupport: () => LoadOptions['limitSupport'],
    /** Known once hearth.toml's parts are open (before the first load). */
    private readonly extensions: () => readonly DaemonExtension[],
    private readonly log: (level: 'warn' | 'error', message: string) => void,
    /** A reload reads only the service files changed since the last load, and stats only those its watch cannot vouch for. */
    private readonly serviceFiles = new ServiceFileCache(Date.now, new ServiceDirWatch(join(configDir, 'services'), (message) => log('warn', message))),
  ) {}

  /** The config in use (undefined until the first load is taken). */
  get config(): LoadedConfig | undefined {
    return this.current;
  }

  async load(): Promise<LoadedConfig> {
    const config = await loadConfigSources(this.configDir, { limitSupport: this.limitSupport(), lower: this.extensions().flatMap((x) => x.lowerSources), serviceFiles: this.serviceFiles });
    this.settleLater();
    return config;
  }

  /**
   * Files written just before hearthd read them (a container's config, made
   * as it starts) are checked once their change is old enough, in the
   * background, so the next reload does not read them all again. One check
   * at a time; a load during one is covered by it or by the next load.
   */
  private settleLater(): void {
    if (this.settling || !this.serviceFiles.unsettled) return;
    this.settling = setTimeout(() => {
      this.serviceFiles
        .settle()
        .catch((e: unknown) => this.log('warn', `checking the service files read at the last load: ${e instanceof Error ? e.message : String(e)}`))
        // Once per load: a file that is still not trusted (changed again, or dated in the future) is the next load's to read.
        .finally(() => (this.settling = undefined));
    }, RACY_MS + 500);
    this.settling.unref();
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

  /** Ends the watch on the services dir. */
  stop(): void {
    clearTimeout(this.settling);
    this.serviceFiles.stop();
  }

  /** The config is now in use: the extensions hear of it. */
  use(config: LoadedConfig): void {
    this.current = config;
    for (const x of this.extensions()) x.configLoaded(config);
  }
}
