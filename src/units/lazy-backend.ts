/**
 * A kind of unit whose code is loaded only once there is something for it
 * to do. It takes the backend's place in the registry from the start, so
 * the order of precedence holds whenever the backend arrives; until then it
 * answers as a backend with no units would. A backend, once loaded, stays:
 * units it ran must be stopped by it when their files go.
 */
import type { ServiceState, ServiceStatus } from '../model/index.js';
import type { LoadedConfig } from '../config/index.js';
import type { ApplyReport, EnableOutcome, RecoveryReport, RunlevelUnit, UnitAction, UnitBackend, UnitDetail } from './backend.js';

type Phase = 'boot' | 'reload';

export interface LazyBackendSource<B extends UnitBackend> {
  readonly kind: string;
  /** Whether this config has units of this kind (or, at boot, whether a predecessor left some running). */
  needed(config: LoadedConfig, phase: Phase): boolean;
  /** Imports the backend's code and opens it. */
  load(): Promise<B>;
}

/** What a backend without units reports for a config. */
function nothingApplied(): ApplyReport {
  return { added: [], changed: [], removed: [], unchanged: [] };
}

export class LazyBackend<B extends UnitBackend> implements UnitBackend {
  readonly kind: string;
  private backend: B | undefined;
  private loading: Promise<B> | undefined;
  /** The last config applied while the backend was not loaded: it gets it when it is. */
  private unapplied: { config: LoadedConfig; phase: Phase } | undefined;
  /** Applies run one after another, whether the registry or loaded() asks for them. */
  private applying: Promise<unknown> = Promise.resolve();

  constructor(private readonly source: LazyBackendSource<B>) {
    this.kind = source.kind;
  }

  apply(config: LoadedConfig, phase: Phase): Promise<ApplyReport> {
    return this.serially(async () => {
      if (!this.loading && !this.source.needed(config, phase)) {
        this.unapplied = { config, phase };
        return nothingApplied();
      }
      this.unapplied = undefined;
      return (await this.load()).apply(config, phase);
    });
  }

  /** The backend itself, for requests only it can answer (systemctl's): loaded now if it was not, with the config the registry last applied. */
  loaded(): Promise<B> {
    return this.serially(async () => {
      const backend = await this.load();
      const pending = this.unapplied;
      this.unapplied = undefined;
      if (pending) await backend.apply(pending.config, pending.phase);
      return backend;
    });
  }

  recover(): RecoveryReport {
    return this.backend?.recover?.() ?? { adopted: [], leftStopped: [], died: [], changed: [] };
  }

  names(): readonly string[] {
    return this.backend?.names() ?? [];
  }

  lists(name: string): boolean {
    return this.backend?.lists(name) ?? false;
  }

  has(name: string): boolean {
    return this.backend?.has(name) ?? false;
  }

  list(): ServiceStatus[] {
    return this.backend?.list() ?? [];
  }

  detail(name: string): Promise<UnitDetail | undefined> {
    return this.backend?.detail(name) ?? Promise.resolve(undefined);
  }

  act(name: string, action: UnitAction): Promise<ServiceState> {
    // The registry asks only a backend that has the unit; were it asked anyway, the backend's own refusal is the answer.
    return this.backend ? this.backend.act(name, action) : this.loaded().then((b) => b.act(name, action));
  }

  runlevelUnit(name: string): RunlevelUnit | undefined {
    return this.backend?.runlevelUnit(name);
  }

  isUp(name: string): boolean {
    return this.backend?.isUp(name) ?? false;
  }

  setEnabled(name: string, levels: number[] | undefined, on: boolean): Promise<EnableOutcome> | undefined {
    return this.backend?.setEnabled?.(name, levels, on);
  }

  ownerOf(pid: number): string | undefined {
    return this.backend?.ownerOf?.(pid);
  }

  async shutdown(): Promise<void> {
    const backend = this.backend ?? (await this.loading?.catch(() => undefined));
    await backend?.shutdown();
  }

  private load(): Promise<B> {
    this.loading ??= this.source.load().then(
      (backend) => (this.backend = backend),
      (e: unknown) => {
        // A failed import or open is tried again by the next apply or request, not remembered.
        this.loading = undefined;
        throw e;
      },
    );
    return this.loading;
  }

  private serially<T>(step: () => Promise<T>): Promise<T> {
    const run = this.applying.then(step);
    this.applying = run.catch(() => undefined);
    return run;
  }
}
