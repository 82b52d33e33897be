/**
 * hearth's own settings for an init script, written as LSB extension keys
 * (the LSB reserves `X-` keys for exactly this) in the script's header or in
 * its override `chkconfig.d/NAME`:
 *
 *   # X-Hearth-Restart:         on-failure    (always | on-failure | never)
 *   # X-Hearth-Status-Interval: 10s           (how often `status` is asked; "off")
 *
 * The override wins, so a packaged script need not be edited.
 */
import type { SysvRestartPolicy, SysvScript } from '../model/index.js';
import { parseDuration } from '../model/index.js';

const POLICIES: readonly SysvRestartPolicy[] = ['always', 'on-failure', 'never'];

export interface SysvPolicy {
  restart?: SysvRestartPolicy;
  statusIntervalMs?: number | null;
}

/** Reads the X-Hearth-* keys of a parsed script; bad values become warnings naming file and line. */
export function hearthPolicy(script: SysvScript): { policy: SysvPolicy; warnings: string[] } {
  const extra = script.lsb?.extra ?? {};
  const where = `${script.file}:${script.lsb?.line ?? 1}`;
  const policy: SysvPolicy = {};
  const warnings: string[] = [];
  const restart = extra['x-hearth-restart'];
  if (restart !== undefined) {
    const v = restart.toLowerCase() as SysvRestartPolicy;
    if (POLICIES.includes(v)) policy.restart = v;
    else warnings.push(`${where}: X-Hearth-Restart "${restart}" must be one of ${POLICIES.join(', ')}; ignored`);
  }
  const interval = extra['x-hearth-status-interval'];
  if (interval !== undefined) {
    if (interval.toLowerCase() === 'off') policy.statusIntervalMs = null;
    else {
      const ms = parseDuration(interval);
      if (ms !== undefined && ms >= 100) policy.statusIntervalMs = ms;
      else warnings.push(`${where}: X-Hearth-Status-Interval "${interval}" must be a duration of at least 100ms (like "10s") or "off"; ignored`);
    }
  }
  return { policy, warnings };
}

/** The script with its own policy, then its override's on top. */
export function withPolicy(script: SysvScript, override?: SysvScript): SysvScript {
  const own = hearthPolicy(script);
  const over = override ? hearthPolicy(override) : { policy: {}, warnings: [] };
  const policy = { ...own.policy, ...over.policy };
  return {
    ...script,
    ...(policy.restart !== undefined ? { restart: policy.restart } : {}),
    ...(policy.statusIntervalMs !== undefined ? { statusIntervalMs: policy.statusIntervalMs } : {}),
    warnings: [...script.warnings, ...own.warnings, ...over.warnings],
  };
}
