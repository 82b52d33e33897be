/**
 * Runs a unit's files (its fragment, then its drop-ins in order) through the
 * key table: each assignment is parsed by its key's kind and lands in a
 * store with systemd's semantics (later wins, lists append, empty resets,
 * shared lists), and every problem becomes a diagnostic with file:line.
 * A fatal problem in the fragment stops it there and fails the unit; in a
 * drop-in it only stops that drop-in, as under systemd.
 */
import type { UnitDiagnostic } from './diagnostics.js';
import { SECTIONS, type KeySpec } from './keys.js';
import type { Setting } from './model.js';
import { KINDS, type KindContext, type KindParser, type Outcome } from './setting-kinds.js';
import { parseUnitFileText } from './unit-file-syntax.js';
import type { UnitType } from './unit-name.js';

export interface UnitFileSource {
  path: string;
  content: Uint8Array | string;
}

/** Values by "Section.Key" (or "Section.group" for shared lists). */
export class SettingStore {
  private readonly scalars = new Map<string, unknown>();
  private readonly lists = new Map<string, unknown[]>();

  get<T>(section: string, key: string): T | undefined {
    return this.scalars.get(`${section}.${key}`) as T | undefined;
  }
  list<T>(section: string, key: string): T[] {
    return (this.lists.get(`${section}.${key}`) ?? []) as T[];
  }
  has(section: string, key: string): boolean {
    return this.scalars.has(`${section}.${key}`) || this.lists.has(`${section}.${key}`);
  }
  set(id: string, value: unknown): void {
    this.scalars.set(id, value);
  }
  reset(id: string): void {
    this.scalars.delete(id);
    this.lists.delete(id);
  }
  append(id: string, items: unknown[]): void {
    this.lists.set(id, [...(this.lists.get(id) ?? []), ...items]);
  }
}

export interface Interpretation {
  store: SettingStore;
  settings: Setting[];
  diagnostics: UnitDiagnostic[];
  /** The fragment hit a fatal problem ("bad-setting"), or its syntax was broken ("error"). */
  failed: 'bad-setting' | 'error' | null;
}

/** [Service] keys that really set [Unit] values (systemd keeps them for old units). */
const SERVICE_TO_UNIT = new Set(['StartLimitInterval', 'StartLimitBurst', 'StartLimitAction', 'FailureAction', 'RebootArgument']);

function sectionList(type: UnitType): string[] {
  const known = SECTIONS[type];
  if (known) return Object.keys(known);
  // Types hearth does not run: their own section is skipped without complaint.
  return ['Unit', 'Install', `-${type[0]!.toUpperCase()}${type.slice(1)}`];
}

export function interpretUnitFiles(unit: string, type: UnitType, files: readonly UnitFileSource[], context: Omit<KindContext, 'section' | 'key'>): Interpretation {
  const store = new SettingStore();
  const settings: Setting[] = [];
  const diagnostics: UnitDiagnostic[] = [];
  let failed: Interpretation['failed'] = null;
  const tables = SECTIONS[type] ?? { Unit: SECTIONS['service']!['Unit']!, Install: SECTIONS['service']!['Install']! };

  files: for (const [index, file] of files.entries()) {
    const isFragment = index === 0;
    const text = parseUnitFileText(file.content, file.path, { unit, sections: sectionList(type) });
    diagnostics.push(...text.diagnostics);
    for (const a of text.assignments) {
      const spec: KeySpec | undefined = tables[a.section]?.[a.key];
      const where = { file: a.file, line: a.line, unit, section: a.section, key: a.key };
      if (!spec) {
        if (!a.key.startsWith('X-')) diagnostics.push({ severity: 'warning', kind: 'unknown-key', message: `Unknown key '${a.key}' in section [${a.section}], ignoring.`, ...where });
        continue;
      }
      settings.push({ section: a.section, key: a.key, value: a.value, file: a.file, line: a.line, support: spec.support, ...(spec.note ? { note: spec.note } : {}) });
      const parse: KindParser = KINDS[spec.kind];
      const outcome: Outcome = parse(a.value, { ...context, section: a.section, key: a.key });
      for (const w of outcome.warnings ?? []) diagnostics.push({ severity: 'warning', kind: 'bad-value', message: w, ...where });
      for (const n of outcome.notices ?? []) diagnostics.push({ severity: 'info', kind: 'bad-value', message: n, ...where });
      if (outcome.fatal) {
        diagnostics.push({ severity: 'error', kind: 'bad-unit', message: outcome.fatal, ...where });
        if (isFragment) {
          failed = 'bad-setting';
          break files;
        }
        break;
      }
      const section = a.section === 'Service' && SERVICE_TO_UNIT.has(a.key) ? 'Unit' : a.section;
      const key = spec.aliasOf ?? a.key;
      const targets = a.section === 'Service' && a.key === 'TimeoutSec' ? ['TimeoutStartSec', 'TimeoutStopSec'] : [key];
      for (const target of targets) {
        const id = `${section}.${spec.group ?? target}`;
        if (outcome.reset) store.reset(id);
        if ('set' in outcome) store.set(id, outcome.set);
        if (outcome.append) store.append(id, outcome.append);
      }
      if (spec.support === 'not-enforced' || spec.support === 'approximated') {
        const meaningful = a.value !== '' && !(spec.kind === 'bool' && outcome.set === false) && !outcome.warnings?.length && !(spec.exactFor && 'set' in outcome && spec.exactFor(outcome.set));
        if (meaningful) {
          const what = spec.support === 'not-enforced' ? 'is not enforced by hearth' : 'is approximated by hearth';
          diagnostics.push({ severity: 'info', kind: spec.support, message: `${a.key}=${a.value} ${what}${spec.note ? `: ${spec.note}` : ''}`, ...where });
        }
      }
    }
    if (text.fatal && isFragment) {
      failed = 'error';
      break;
    }
  }
  return { store, settings, diagnostics, failed };
}
