import type { RecentProcesses, SyslogSender } from '../syslog/index.js';
import type { Units } from './units.js';

/**
 * The unit a syslog message came from: the cgroup the sender was in as it
 * arrived (read by the helper), else the sender's pid or, when it was gone,
 * its ancestors' (live, or started by hearth and exited lately); a message
 * with no pid at all by the unit its tag names.
 */
export function syslogAttribution(units: Units, recent: RecentProcesses): (s: SyslogSender) => string | undefined {
  const { registry, tracking } = units;
  return (s) => {
    const unit = s.cgroup !== undefined ? tracking.ownerOfCgroup(s.cgroup) : undefined;
    if (unit && registry.has(unit.name)) return unit.name;
    if (s.pid === undefined) return s.appName !== undefined && registry.has(s.appName) ? s.appName : undefined;
    for (const pid of [s.pid, ...(s.ancestors ?? [])]) {
      const owner = registry.ownerOf(pid) ?? recent.owner(pid);
      if (owner !== undefined) return owner;
    }
    return undefined;
  };
}
