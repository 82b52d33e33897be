import type { UserInfo } from './users.js';
import { DEFAULT_PATH } from './resolve-executable.js';

/** Variables passed through from hearthd's own environment: locale and time zone only. */
const PASSED_THROUGH = ['LANG', 'LC_ALL', 'TZ'];

/**
 * Services get a clean, predictable environment (as systemd does), not whatever
 * the shell that started hearthd had: PATH, the identity of the account they run
 * as, locale, then the service's own environment_file and environment on top.
 */
export function serviceEnvironment(
  user: UserInfo | undefined,
  ...layers: Array<Record<string, string> | undefined>
): Record<string, string> {
  const env: Record<string, string> = { PATH: DEFAULT_PATH };
  for (const k of PASSED_THROUGH) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  if (user) {
    env.HOME = user.home;
    env.USER = user.name;
    env.LOGNAME = user.name;
    env.SHELL = user.shell;
  } else {
    for (const k of ['HOME', 'USER', 'LOGNAME']) {
      const v = process.env[k];
      if (v !== undefined) env[k] = v;
    }
  }
  for (const layer of layers) if (layer) Object.assign(env, layer);
  return env;
}
