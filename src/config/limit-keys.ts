/**
 * The resource limit keys of a native service file, enforced through the
 * unit's cgroup:
 *
 *   memory_max = "256M"     # OOM-killed above this (the whole unit together)
 *   memory_high = "200M"    # throttled and reclaimed above this (cgroup v2 only)
 *   tasks_max = 64          # processes and threads: a fork bomb stops here
 *   cpu_weight = 50         # 1–10000, default 100: share under contention
 *   cpu_max = "50%"         # hard cap, percent of one CPU ("200%" = two CPUs)
 *   io_weight = 200         # 1–10000, default 100: share of disk time
 *
 * A key this host cannot enforce is refused here, with the reason, rather
 * than silently ignored.
 */
import { LIMIT_KEYS, type LimitKey, type LimitSupport, type ResourceLimits } from '../model/index.js';
import { describeValue, readInt, readSize, type FieldContext, type KeyPath } from './toml-values.js';

export { LIMIT_KEYS };

export function readLimitKey(c: FieldContext, path: KeyPath, key: LimitKey, v: unknown, limits: ResourceLimits, support: LimitSupport | undefined): void {
  const host = support?.[key];
  if (host && !host.ok) {
    c.error(path, `"${key}" cannot be enforced on this host: ${host.why}`, 'remove the key, or run hearthd where it can manage cgroups');
    return;
  }
  switch (key) {
    case 'memory_max':
    case 'memory_high': {
      const bytes = readSize(c, path, v);
      if (bytes === undefined) return;
      if (bytes < 1024 * 1024) return void c.error(path, `"${key}" of ${bytes} bytes is less than 1M: nothing could start`);
      limits[key === 'memory_max' ? 'memoryMax' : 'memoryHigh'] = bytes;
      return;
    }
    case 'tasks_max': {
      const n = readInt(c, path, v, 1, 4_194_304);
      if (n !== undefined) limits.tasksMax = n;
      return;
    }
    case 'cpu_weight':
    case 'io_weight': {
      const n = readInt(c, path, v, 1, 10_000);
      if (n !== undefined) limits[key === 'cpu_weight' ? 'cpuWeight' : 'ioWeight'] = n;
      return;
    }
    case 'cpu_max': {
      const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(v) : null;
      const pct = m ? Number(m[1]) : NaN;
      if (!(pct >= 1 && pct <= 100_000)) return void c.error(path, `"cpu_max" must be a percentage of one CPU such as "50%" or "200%", got ${describeValue(v)}`);
      limits.cpuMaxPercent = pct;
      return;
    }
  }
}

/** memory_high above memory_max would never apply: say so. */
export function checkLimits(c: FieldContext, limits: ResourceLimits): void {
  if (limits.memoryHigh !== undefined && limits.memoryMax !== undefined && limits.memoryHigh > limits.memoryMax) {
    c.warn(['memory_high'], '"memory_high" is above "memory_max": the unit is killed before it is ever throttled');
  }
}
