import { spawn } from 'node:child_process';
import { describeError } from '../errors/index.js';
import { ServerSpawner, SPAWNER_HELPER, acceptorHelperPath } from '../native/index.js';
import { inetdDefinitionKey, type InetdServiceDefinition, type InetdServiceStatus } from '../model/index.js';
import { ServiceRuntime } from './service-runtime.js';
import type { EngineContext } from './engine-context.js';
import type { ApplyResult, InetdEvent, InetdLogLine, SuperServerOptions } from './types.js';

/** Well-known ports of the small services; UDP replies are never sent to them. */
const SMALL_SERVICE_PORTS = [7, 9, 13, 19, 37];

/**
 * hearthd's super-server: one object that listens for every inetd-style
 * service and starts (or answers for) each connection. It knows nothing of
 * config files; the daemon loads definitions and calls apply() on every
 * reload. Unchanged services keep their listeners and live connections (xinetd
 * drops them on reload); a changed service stops listening and its running
 * servers are left to finish; a removed or disabled service, and every
 * service when the super-server is switched off, has its servers stopped
 * (with cgroup tracking, everything they started).
 */
export class SuperServer {
  private readonly services = new Map<string, ServiceRuntime>();
  /** Retired runtimes whose servers are still running, for stop({ killServers }). */
  private readonly retired = new Set<ServiceRuntime>();
  private enabled = true;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly ctx: EngineContext;
  /** Set when this engine made its own spawner, which stop() then ends. */
  private readonly ownSpawner: ServerSpawner | undefined;

  constructor(options: SuperServerOptions = {}) {
    const offset = options.portOffset ?? 0;
    const self = this;
    const emit = options.onEvent ?? ((_e: InetdEvent) => undefined);
    const log = options.onLog ?? ((_l: InetdLogLine) => undefined);
    const spawnProcess = options.spawnProcess ?? spawn;
    this.ownSpawner = options.serverSpawner
      ? undefined
      : new ServerSpawner({
        fallback: spawnProcess,
        onNotice: (level, message) => this.ctx.emit({ type: 'inetd.notice', at: Date.now(), id: SPAWNER_HELPER, level, message }),
      });
    this.ctx = {
      spawn: spawnProcess,
      servers: options.serverSpawner ?? this.ownSpawner!,
      acceptorPath: options.acceptor === false ? null : acceptorHelperPath(),
      portOffset: offset,
      ...(options.unitOf ? { unitOf: options.unitOf } : {}),
      envCompat: options.envCompat ?? 'hearth',
      emit: (e) => {
        try {
          emit(e);
        } catch {
          /* a listener's bug must not break a connection */
        }
      },
      log: (l) => {
        try {
          log(l);
        } catch {
          /* idem */
        }
      },
      chargenPosition: 0,
      udpGuardPorts: new Set([...SMALL_SERVICE_PORTS, ...(offset ? SMALL_SERVICE_PORTS.map((p) => p + offset) : [])]),
      udpReplyRate: options.udpReplyRate ?? 500,
      udpReplyRatePerSource: options.udpReplyRatePerSource ?? 50,
      findMuxService(name) {
        const n = name.toLowerCase();
        for (const rt of self.services.values()) {
          if (rt.isMuxClient && rt.state === 'listening' && rt.def.name.toLowerCase() === n) return rt;
        }
        return undefined;
      },
      muxServiceNames() {
        return [...self.services.values()].filter((rt) => rt.isMuxClient && rt.state === 'listening').map((rt) => rt.def.name);
      },
    };
  }

  /**
   * Makes the running set match defs. Calls are serialised; each resolves when
   * the ports of removed and changed services are free again (any program may
   * bind them) and the new listeners are up.
   */
  apply(defs: InetdServiceDefinition[]): Promise<ApplyResult> {
    const run = this.queue.then(() => this.doApply(defs));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async doApply(defs: InetdServiceDefinition[]): Promise<ApplyResult> {
    const result: ApplyResult = { added: [], changed: [], removed: [], errors: [] };
    const next = new Map<string, InetdServiceDefinition>();
    for (const d of defs) {
      if (next.has(d.id)) {
        result.errors.push(`${d.id}: duplicate id, the later definition is ignored`);
        continue;
      }
      next.set(d.id, d);
    }
    const toStart: ServiceRuntime[] = [];
    const releasing: Array<Promise<void>> = [];
    const ending: ServiceRuntime[] = [];
    for (const [id, rt] of this.services) {
      const d = next.get(id);
      if (!d) {
        releasing.push(this.retire(rt));
        this.services.delete(id);
        result.removed.push(id);
        ending.push(rt);
      } else if (inetdDefinitionKey(d) !== rt.key) {
        releasing.push(this.retire(rt));
        this.services.delete(id);
        result.changed.push(id);
        // xinetd kills the servers of a service it drops; one that still serves keeps them.
        if (d.disabled || d.errors.length > 0) ending.push(rt);
      }
    }
    // A changed service may listen on the same port again: only once the old listener (and its helper) let go.
    await Promise.all(releasing);
    // Its servers are gone before the reload is done (and before its cgroup could be made again).
    await this.stopServers(ending);
    for (const [id, d] of next) {
      if (this.services.has(id)) continue;
      if (!result.changed.includes(id)) result.added.push(id);
      const rt = new ServiceRuntime(d, this.ctx);
      this.services.set(id, rt);
      toStart.push(rt);
    }
    if (this.enabled) {
      await Promise.all(toStart.map(async (rt) => {
        try {
          await rt.start();
        } catch (e) {
          result.errors.push(`${rt.def.id}: ${describeError(e)}`);
        }
      }));
    }
    return result;
  }

  /** Stops the servers of these runtimes; the cgroups of services no longer defined are removed. */
  private async stopServers(runtimes: ServiceRuntime[]): Promise<void> {
    await Promise.all(runtimes.map((rt) => rt.stopServers()));
    for (const rt of runtimes) if (!this.services.has(rt.def.id)) rt.unit?.release();
  }

  private retire(rt: ServiceRuntime): Promise<void> {
    const released = rt.close();
    if (rt.active > 0) this.retired.add(rt);
    return released;
  }

  /** The super-server as a whole on or off (the "xinetd" service's runlevel switch); off resolves when every port is free. */
  setEnabled(on: boolean): Promise<ApplyResult> {
    const run = this.queue.then(async () => {
      const result: ApplyResult = { added: [], changed: [], removed: [], errors: [] };
      if (on === this.enabled) return result;
      this.enabled = on;
      if (!on) {
        await Promise.all([...this.services.values()].map((rt) => rt.close()));
        // Off means no server of any inetd-style service runs either.
        await this.stopServers([...this.services.values(), ...this.retired]);
      } else {
        for (const rt of this.services.values()) {
          try {
            await rt.start();
          } catch (e) {
            result.errors.push(`${rt.def.id}: ${describeError(e)}`);
          }
        }
      }
      return result;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  get isEnabled(): boolean {
    return this.enabled;
  }

  /**
   * Stops listening everywhere and ends in-process connections; resolves when
   * every port is free. Servers already started keep running (a wait = yes
   * server keeps its socket) unless killServers is asked for: then it
   * resolves once they are stopped too (stopServers).
   */
  async stop(options: { killServers?: boolean } = {}): Promise<void> {
    await this.queue;
    const all = [...this.services.values(), ...this.retired];
    await Promise.all(all.map((rt) => rt.destroy(!!options.killServers)));
    this.services.clear();
    this.retired.clear();
    this.ownSpawner?.close();
  }

  status(): InetdServiceStatus[] {
    return [...this.services.values()].map((rt) => {
      const s = rt.status();
      if (!this.enabled && (s.state === 'listening' || s.state === 'off')) {
        s.state = 'off';
        s.detail = 'the super-server is disabled';
      }
      return s;
    });
  }

  /** The service whose server (running, or ended lately) has this pid. */
  ownerOf(pid: number): string | undefined {
    const now = Date.now();
    for (const rt of [...this.services.values(), ...this.retired]) if (rt.children.owns(pid, now)) return rt.def.id;
    return undefined;
  }

  /** Status of one service by id (or by name when the id is unknown). */
  get(idOrName: string): InetdServiceStatus | undefined {
    const rt = this.services.get(idOrName) ?? [...this.services.values()].find((r) => r.def.name === idOrName);
    return rt?.status();
  }
}
