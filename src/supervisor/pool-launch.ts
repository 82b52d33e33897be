import type { ServiceDefinition } from '../model/index.js';
import { applyUmask } from '../process/index.js';
import { activationEnv, activationStdio, type BoundSocket } from '../superserver/index.js';
import type { UnitTracking } from '../boundary/index.js';
import { serviceLaunch } from './service-launch.js';
import type { WorkerLaunch } from './pool-worker.js';

/**
 * How a pool starts one worker: the service's launch, plus the pool's sockets
 * as LISTEN_FDS at fd 3… or (pass_socket = "stdin") the one socket at fd 0,
 * inside the worker generation's cgroup.
 */
export function workerLaunch(
  def: ServiceDefinition,
  configDir: string,
  sockets: BoundSocket[],
  notifySocket: string | undefined,
  unit: { tracking: UnitTracking; leaf: string },
): WorkerLaunch {
  const byStdin = def.pool!.socketFd === 'stdin';
  const launch = serviceLaunch(def, configDir, {
    unit,
    ...(notifySocket !== undefined && def.ready.kind === 'notify' ? { notifySocket } : {}),
    ...(!byStdin ? { activation: activationEnv(sockets) } : {}),
  });
  return {
    ...launch,
    stdio: byStdin ? [sockets[0]!.fd, 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe', ...activationStdio(sockets)],
    umask: (fn) => applyUmask(def.umask, fn),
  };
}
