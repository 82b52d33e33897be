import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeError } from '../errors/index.js';
import { SUPER_SERVER_NAME } from '../model/index.js';
import { parseSysvScript } from '../config/index.js';
import {
  ALL_LEVELS,
  isBootEnabled,
  parseChkconfigArgs,
  chkconfigArgumentError,
  runChkconfig,
  sysvEnablementUnit,
  listXinetdFiles,
  setXinetdFile,
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
  /** After an xinetd.d file was rewritten: reload the config so the super-server follows it. */
  reloadConfig(): Promise<unknown>;
  log(message: string): void;
}

/** `hearth chkconfig ARGS…`, evaluated where the enablement lives, with chkconfig's exact output. */
export async function chkconfig(argv: string[], src: ChkconfigSources): Promise<ClassicResult> {
  const parsed = parseChkconfigArgs(argv);
  if (!parsed.ok) return chkconfigArgumentError(argv, src.version)!;
  return runChkconfig(parsed.action, {
    services: src.registry.runlevelUnits().map((u) => ({ unit: u.enable, boot: isBootEnabled(src.runlevels.enablement, u.enable) })),
    // chkconfig lists xinetd services per file of xinetd.d, named after the file.
    xinetd: listXinetdFiles(join(src.configDir, 'xinetd.d')),
    xinetdEnabled: src.registry.has(SUPER_SERVER_NAME) && ALL_LEVELS.some((l) => src.runlevels.isEnabled(SUPER_SERVER_NAME, l)),
    currentRunlevel: src.runlevels.current,
    enablement: src.runlevels.enablement,
    setXinetd: async (name, on) => {
      setXinetdFile(join(src.configDir, 'xinetd.d'), name, on);
      await src.reloadConfig();
    },
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
