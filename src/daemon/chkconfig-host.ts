import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeError } from '../errors/index.js';
import { SUPER_SERVER_NAME } from '../model/index.js';
import { parseSysvScript } from '../config/index.js';
import {
  ALL_LEVELS,
  chkconfigUsage,
  parseChkconfigArgs,
  runChkconfig,
  sysvEnablementUnit,
  type ChkconfigXinetdService,
  type EnablementUnit,
  type RunlevelHost,
} from '../runlevels/index.js';
import type { UnitRegistry } from '../units/index.js';
import type { ClassicResult } from '../control/daemon-api.js';

export interface ChkconfigSources {
  configDir: string;
  version: string;
  registry: UnitRegistry;
  runlevels: RunlevelHost;
  /** The xinetd.d services for chkconfig's second section. */
  xinetd(): readonly ChkconfigXinetdService[];
  /** Rewrites an xinetd.d file's disable line and reloads. */
  setXinetd(name: string, on: boolean): Promise<void>;
  log(message: string): void;
}

/** `hearth chkconfig ARGS…`, evaluated where the enablement lives, with chkconfig's exact output. */
export async function chkconfig(argv: string[], src: ChkconfigSources): Promise<ClassicResult> {
  const parsed = parseChkconfigArgs(argv);
  if (!parsed.ok) {
    return { stdout: '', stderr: `${parsed.usage ? chkconfigUsage('chkconfig', src.version) : parsed.message}\n`, exitCode: parsed.exitCode };
  }
  return runChkconfig(parsed.action, {
    services: src.registry.runlevelUnits().map((u) => ({ unit: u.enable })),
    xinetd: src.xinetd(),
    xinetdEnabled: src.registry.has(SUPER_SERVER_NAME) && ALL_LEVELS.some((l) => src.runlevels.isEnabled(SUPER_SERVER_NAME, l)),
    currentRunlevel: src.runlevels.current,
    enablement: src.runlevels.enablement,
    setXinetd: src.setXinetd,
    overrideFor: (name) => chkconfigOverride(src, name),
    progname: 'chkconfig',
    version: src.version,
  });
}

/** chkconfig.d/NAME in the config dir: an override header for `chkconfig --override NAME`. */
function chkconfigOverride(src: ChkconfigSources, name: string): EnablementUnit | undefined {
  const file = join(src.configDir, 'chkconfig.d', name);
  if (!existsSync(file)) return undefined;
  try {
    return sysvEnablementUnit(parseSysvScript(readFileSync(file, 'utf8'), file, name));
  } catch (e) {
    src.log(describeError(e));
    return undefined;
  }
}
