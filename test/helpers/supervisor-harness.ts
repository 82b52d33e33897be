/**
 * A Supervisor wired for tests with the host's real process tracking (a
 * cgroup subtree of the test's own where the host allows it), output kept in
 * memory per service, and its events on a bus. With `spawner`, it is wired
 * as hearthd wires it: output FIFOs, and main processes through hearth-spawner.
 * With `runtimeState`, it keeps runtime records as hearthd does (in DIR/services).
 */
import { join } from 'node:path';
import { Supervisor, type LogSink } from '../../src/supervisor/index.js';
import { EventBus } from '../../src/events/index.js';
import type { ServiceDefinition } from '../../src/model/index.js';
import { nativeHelperPath, type ServerSpawner } from '../../src/native/index.js';
import { openTracking } from '../../src/boundary/index.js';
import { tempDir } from './index.js';

/** A service's output, as the journal would have received it. */
export class MemorySink implements LogSink {
  out = '';
  err = '';
  write(stream: 'out' | 'err', chunk: Buffer): void {
    if (stream === 'out') this.out += chunk.toString();
    else this.err += chunk.toString();
  }
  end(): void {}
}

export function supervisorHarness(options: { prefix?: string; spawner?: ServerSpawner; runtimeState?: boolean } = {}) {
  const dir = tempDir(options.prefix);
  const bus = new EventBus();
  const sinks = new Map<string, MemorySink>();
  const tracking = openTracking({ runtimeDir: dir.path, mode: 'auto', cgexec: nativeHelperPath('hearth-cgexec') });
  const sup = new Supervisor({
    tracking,
    emit: (e) => bus.emit(e),
    logSink: (def: ServiceDefinition) => {
      const s = new MemorySink();
      sinks.set(def.name, s);
      return s;
    },
    configDir: dir.path,
    notifyDir: join(dir.path, 'notify'),
    ...(options.spawner ? { spawner: options.spawner, fifoDir: join(dir.path, 'output') } : {}),
    ...(options.runtimeState ? { runtimeStateDir: join(dir.path, 'services') } : {}),
  });
  const cleanup = async () => {
    await sup.stopAll();
    sup.close();
    options.spawner?.close();
    tracking.close();
    dir.cleanup();
  };
  return { dir: dir.path, bus, sup, sinks, tracking, cleanup, sub: (l: Parameters<EventBus['subscribe']>[0]) => bus.subscribe(l) };
}
