import { HearthError } from '../errors/index.js';
import type { ServiceState, ServiceStatus } from '../model/index.js';
import type { LoadedConfig } from '../config/index.js';
import type { ApplyReport, RunlevelUnit, UnitAction, UnitBackend, UnitDetail } from '../units/index.js';
import type { TimerHost } from './timer-host.js';

/**
 * Timers (service files with a schedule, crontab lines) as units. A timer is
 * not switched per runlevel itself (a native timer runs only in its levels):
 * start runs it now, stop ends the run in progress, restart does both.
 */
export class TimerBackend implements UnitBackend {
  readonly kind = 'timer';

  constructor(readonly host: TimerHost) {}

  async apply(config: LoadedConfig, phase: 'boot' | 'reload'): Promise<ApplyReport> {
    return this.host.apply(config.timers.values(), config.cron.jobs, phase === 'boot');
  }

  names(): readonly string[] {
    return this.host.names();
  }

  has(name: string): boolean {
    return this.host.has(name);
  }

  lists(name: string): boolean {
    return this.host.has(name);
  }

  list(): ServiceStatus[] {
    return this.host.list();
  }

  async detail(name: string): Promise<UnitDetail | undefined> {
    return this.host.detail(name);
  }

  async act(name: string, action: UnitAction): Promise<ServiceState> {
    if (action === 'reload') throw new HearthError('ERR_BAD_REQUEST', `cannot reload "${name}": it is a timer`, { hint: `"hearth start ${name}" runs it now` });
    if (action === 'stop' || action === 'restart') this.host.stopRun(name);
    if (action === 'start' || action === 'restart') this.host.runNow(name);
    return this.host.detail(name)?.state ?? 'stopped';
  }

  runlevelUnit(): RunlevelUnit | undefined {
    return undefined;
  }

  isUp(name: string): boolean {
    return this.host.detail(name)?.state === 'running';
  }

  ownerOf(pid: number): string | undefined {
    return this.host.list().find((s) => s.pid === pid)?.name;
  }

  async shutdown(): Promise<void> {
    this.host.stop();
  }
}
