/** `hearth doctor`'s fleet line: present when hearthd says it is in a fleet ([fleet] in hearth.toml). */
import type { DaemonInfo } from '../../client/index.js';
import { describeFleetLink } from '../fleet-text.js';
import type { DoctorCheck } from './checks.js';

export function fleetCheck(info: DaemonInfo): DoctorCheck | undefined {
  const f = info.fleet;
  if (!f) return undefined;
  const text = describeFleetLink(f);
  const fix =
    f.link.state === 'retrying'
      ? `check that etcd answers at ${f.endpoints.join(', ')} from this host ("etcdctl --endpoints ${f.endpoints.join(',')} endpoint health"), and [fleet] in hearth.toml`
      : f.desired === 'stale'
        ? "hearthd keeps retrying; if it lasts, check the etcd user's read permission on /hearth/desired/ (hearth fleet print-roles)"
        : undefined;
  return { id: 'fleet', status: text.level, summary: text.summary, details: text.details, ...(fix ? { fix } : {}) };
}
