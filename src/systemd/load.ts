/**
 * Loads units from a search path: finds the fragment (through aliases,
 * templates and masks), applies drop-ins, reads .wants/.requires links,
 * interprets every setting and builds the typed unit. Never throws for bad
 * input: a unit that cannot be used comes back with a load state and
 * diagnostics that say why.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadZone, processZone, type TimeZone } from './calendar/index.js';
import type { UnitDiagnostic } from './diagnostics.js';
import { interpretUnitFiles, type UnitFileSource } from './interpret.js';
import { SECTIONS } from './keys.js';
import type { LoadState, SystemdUnit } from './model.js';
import { SYSTEM_HOST_DEFAULTS, type HostFacts } from './specifiers.js';
import { buildInstallSection, buildServiceSection, buildSocketSection, buildTimerSection, buildUnitSection } from './typed.js';
import { classifyUnitName, instantiate, parseUnitName, type UnitType } from './unit-name.js';
import { isHiddenOrBackup, UnitDirectory } from './unit-directory.js';

export { SYSTEMD_UNIT_PATHS, defaultSearchPath } from './search-path.js';

export interface LoaderOptions {
  /** Unit directories, highest priority first (e.g. CONFIG_DIR/systemd, /etc/systemd/system, …, /lib/systemd/system). */
  searchPath: readonly string[];
  /** What %H, %m, %u … expand to; default: a system manager on a placeholder host. */
  host?: HostFacts;
  /** The zone OnCalendar= expressions without a zone are read in; default: this process's. */
  localZone?: TimeZone;
  zoneinfoDir?: string;
  /** Unit files and drop-ins larger than this are refused (a stranger's file must not make us hold much). */
  maxFileBytes?: number;
}

/** The unit types hearth runs; others load with a diagnostic saying so. */
export const SUPPORTED_TYPES: readonly UnitType[] = ['service', 'socket', 'timer', 'target'];

const DEFAULT_MAX_FILE = 4 * 1024 * 1024;

/** The instance loadAll() gives templates so their settings can be checked. */
export const TEMPLATE_CHECK_INSTANCE = 'template-check';

function emptyUnit(name: string, type: UnitType, loadState: LoadState, diagnostics: UnitDiagnostic[]): SystemdUnit {
  return {
    name, type, names: [name], loadState, fragmentPath: null, dropIns: [],
    unit: buildUnitSection(interpretUnitFiles(name, type, [], dummyContext()).store),
    install: { wantedBy: [], requiredBy: [], alias: [], also: [] },
    settings: [], diagnostics,
  };
}

function dummyContext() {
  return { spec: { unitName: 'x.service', host: SYSTEM_HOST_DEFAULTS }, calendar: { localZone: loadZone('UTC')!, zoneExists: () => false } };
}

export class UnitLoader {
  readonly directory: UnitDirectory;
  private readonly host: HostFacts;
  private readonly zone: TimeZone;
  private readonly zoneinfoDir: string;
  private readonly maxFileBytes: number;

  constructor(options: LoaderOptions) {
    this.directory = UnitDirectory.scan(options.searchPath);
    this.host = options.host ?? SYSTEM_HOST_DEFAULTS;
    this.zoneinfoDir = options.zoneinfoDir ?? '/usr/share/zoneinfo';
    this.zone = options.localZone ?? processZone(options.zoneinfoDir);
    this.maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE;
  }

  private read(file: string, diagnostics: UnitDiagnostic[], unit: string): Uint8Array | null {
    try {
      const st = fs.statSync(file);
      if (!st.isFile() && !st.isCharacterDevice()) throw new Error('not a regular file');
      if (st.size > this.maxFileBytes) {
        diagnostics.push({ severity: 'error', kind: 'load', unit, file, message: `Failed to load configuration: file is ${st.size} bytes, more than the ${this.maxFileBytes} hearth reads` });
        return null;
      }
      return fs.readFileSync(file);
    } catch (e) {
      diagnostics.push({ severity: 'error', kind: 'load', unit, file, message: `Failed to open ${file}: ${(e as Error).message}` });
      return null;
    }
  }

  /** Loads one unit by any of its names; instances are built from their template. */
  load(name: string): SystemdUnit {
    const parsed = parseUnitName(name);
    if (!parsed) return emptyUnit(name, 'service', 'not-found', [{ severity: 'error', kind: 'load', unit: name, message: `Unit name ${name} is not valid.` }]);
    const fragment = this.directory.fragmentOf(name);
    if (!fragment) return emptyUnit(name, parsed.type, 'not-found', [{ severity: 'error', kind: 'load', unit: name, message: `Unit ${name} not found.` }]);
    const diagnostics: UnitDiagnostic[] = [];
    let id = path.basename(fragment.path);
    if (classifyUnitName(id) === 'template' && parsed.instance) id = instantiate(id, parsed.instance) ?? id;
    if (classifyUnitName(id) === null) id = name;
    const names = this.directory.namesOf(name).filter((n) => n !== id);
    const all = [id, ...names].sort();
    const idParsed = parseUnitName(id)!;
    const template = idParsed.instance !== null ? { name: `${idParsed.prefix}@.${idParsed.type}`, instance: idParsed.instance } : undefined;
    if (fragment.masked) {
      return { ...emptyUnit(id, parsed.type, 'masked', []), names: all, fragmentPath: fragment.path, ...(template ? { template } : {}) };
    }
    const main = this.read(fragment.path, diagnostics, id);
    if (!main) return { ...emptyUnit(id, parsed.type, 'error', diagnostics), names: all, fragmentPath: fragment.path };
    const dropIns = this.directory.dropInFiles(id, names, '.d');
    const files: UnitFileSource[] = [{ path: fragment.path, content: main }];
    for (const d of dropIns) {
      const content = this.read(d, diagnostics, id);
      if (content) files.push({ path: d, content });
    }
    const context = {
      spec: { unitName: id, host: this.host, fragmentPath: fragment.path },
      calendar: { localZone: this.zone, zoneExists: (z: string) => loadZone(z, this.zoneinfoDir) !== null },
    };
    const interpreted = interpretUnitFiles(id, idParsed.type, files, context);
    diagnostics.push(...interpreted.diagnostics);
    const s = interpreted.store;
    const unitSection = buildUnitSection(s);
    this.addLinkedDependencies(id, names, unitSection, diagnostics);
    const unit: SystemdUnit = {
      name: id, type: idParsed.type, names: all, loadState: interpreted.failed ?? 'loaded', fragmentPath: fragment.path, dropIns,
      ...(template ? { template } : {}),
      unit: unitSection, install: buildInstallSection(s), settings: interpreted.settings, diagnostics,
    };
    if (interpreted.failed) {
      // systemd says this for a refused setting; a broken file (bad section header) fails with just its syntax error.
      if (interpreted.failed === 'bad-setting') diagnostics.push({ severity: 'error', kind: 'bad-unit', unit: id, message: 'Unit configuration has fatal error, unit will not be started.' });
      return unit;
    }
    let refused = false;
    if (idParsed.type === 'service') ({ service: unit.service, refused } = buildServiceSection(s, id, diagnostics));
    else if (idParsed.type === 'socket') ({ socket: unit.socket, refused } = buildSocketSection(s, id, diagnostics));
    else if (idParsed.type === 'timer') ({ timer: unit.timer, refused } = buildTimerSection(s, id, diagnostics));
    else if (!SUPPORTED_TYPES.includes(idParsed.type)) {
      diagnostics.push({ severity: 'error', kind: 'not-enforced', unit: id, file: fragment.path, message: `.${idParsed.type} units are not supported by hearth; ${id} is read but never started` });
    }
    if (refused) unit.loadState = 'bad-setting';
    return unit;
  }

  /** NAME.wants/ and NAME.requires/ links become Wants=/Requires= of the unit, as in systemd. */
  private addLinkedDependencies(id: string, names: string[], unit: ReturnType<typeof buildUnitSection>, diagnostics: UnitDiagnostic[]): void {
    for (const [suffix, list, label] of [['.wants', unit.wants, 'Wants'], ['.requires', unit.requires, 'Requires']] as const) {
      for (const entry of this.directory.dropInFiles(id, names, suffix)) {
        const base = path.basename(entry);
        let st: fs.Stats;
        try {
          st = fs.lstatSync(entry);
        } catch {
          continue;
        }
        const target = fs.statSync(entry, { throwIfNoEntry: false });
        if (target && ((target.isFile() && target.size === 0) || (target.isCharacterDevice() && entry && fs.realpathSync(entry) === '/dev/null'))) continue;
        if (!st.isSymbolicLink()) {
          diagnostics.push({ severity: 'warning', kind: 'load', unit: id, file: entry, message: `${label} dependency dropin ${entry} is not a symlink, ignoring.` });
          continue;
        }
        if (classifyUnitName(base) === null) {
          diagnostics.push({ severity: 'warning', kind: 'load', unit: id, file: entry, message: `${label} dependency dropin ${entry} is not a valid unit name, ignoring.` });
          continue;
        }
        if (!list.includes(base)) list.push(base);
      }
    }
  }

  /**
   * Every unit on the search path, each once under its own name (aliases
   * fold into their unit). A template is checked by loading it as the
   * instance TEMPLATE_CHECK_INSTANCE (systemd itself never loads templates;
   * an empty %i would give false alarms such as "User=%i" being invalid).
   */
  loadAll(): SystemdUnit[] {
    const seen = new Set<string>();
    const units: SystemdUnit[] = [];
    for (const name of this.directory.unitNames()) {
      if (seen.has(name) || isHiddenOrBackup(name)) continue;
      const isTemplate = classifyUnitName(name) === 'template';
      const unit = this.load(isTemplate ? instantiate(name, TEMPLATE_CHECK_INSTANCE) ?? name : name);
      for (const n of unit.names) seen.add(n);
      seen.add(name);
      if (!units.some((u) => u.name === unit.name)) units.push(unit);
    }
    return units;
  }

  /** The unit types for which hearth has typed sections. */
  static sectionsOf(type: UnitType): string[] {
    return Object.keys(SECTIONS[type] ?? { Unit: {}, Install: {} });
  }
}
