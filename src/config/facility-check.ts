/**
 * `hearth check` on LSB facilities, once per facility as insserv warns: a
 * `$facility` that insserv.conf does not define and no unit provides, one
 * that is defined but has no installed provider, and a required (non-`+`)
 * member of a definition that is not installed.
 */
import { HearthError } from '../errors/index.js';
import type { ServiceDefinition, SysvScript } from '../model/index.js';
import { expandFacilities, type InsservConf } from './insserv-conf.js';

interface Use {
  unit: string;
  key: string;
}

const KEYS: Array<[keyof NonNullable<SysvScript['lsb']>, string]> = [
  ['requiredStart', 'Required-Start'],
  ['shouldStart', 'Should-Start'],
  ['requiredStop', 'Required-Stop'],
  ['shouldStop', 'Should-Stop'],
  ['xStartBefore', 'X-Start-Before'],
  ['xStopAfter', 'X-Stop-After'],
];

export function facilityProblems(
  insserv: InsservConf,
  scripts: readonly SysvScript[],
  services: ReadonlyMap<string, Pick<ServiceDefinition, 'name' | 'provides' | 'requires' | 'after' | 'before'>>,
): HearthError[] {
  const { table, problems } = expandFacilities(insserv);
  const uses = new Map<string, Use[]>();
  const use = (words: readonly string[] | undefined, unit: string, key: string) => {
    // Indexed: asked three times of each of 10,000 services at a reload, a for-of makes an iterator each time.
    for (let i = 0; i < (words?.length ?? 0); i++) {
      const word = words![i]!;
      if (!word.startsWith('$') || ['$all', '$null'].includes(word.toLowerCase())) continue;
      const f = word.toLowerCase();
      uses.set(f, [...(uses.get(f) ?? []), { unit, key }]);
    }
  };
  for (const s of scripts) for (const [field, key] of KEYS) use(s.lsb?.[field] as string[] | undefined, s.name, key);
  services.forEach((d) => {
    use(d.requires, d.name, 'requires');
    use(d.after, d.name, 'after/before');
    use(d.before, d.name, 'after/before');
  });
  // Most configs name no facility: then the set of every unit name is not needed.
  if (uses.size === 0) return problems;
  const names = new Set<string>();
  const provide = (name: string, provides: readonly string[] | undefined) => {
    names.add(name);
    for (const p of provides ?? []) names.add(p.toLowerCase().startsWith('$') ? p.toLowerCase() : p);
  };
  for (const s of scripts) provide(s.name, s.provides);
  for (const d of services.values()) provide(d.name, d.provides);
  const where = insserv.builtIn ? 'the built-in insserv.conf' : insserv.files.join(', ') || 'insserv.conf';
  const out = [...problems];
  for (const [facility, list] of [...uses].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const users = describeUses(list);
    const members = table[facility];
    if (names.has(facility)) continue;
    if (members === undefined) {
      out.push(new HearthError('ERR_CONFIG_VALUE', `facility "${facility}" is not defined in ${where} and no service provides it (used by ${users})`, {
        hint: `define it in insserv.conf.d/, e.g. "${facility} +name-of-its-script"`,
      }));
      continue;
    }
    const present = members.filter((m) => names.has(m.name));
    const missingRequired = members.filter((m) => !m.optional && !names.has(m.name));
    for (const m of missingRequired) {
      out.push(new HearthError('ERR_CONFIG_VALUE', `facility "${facility}" requires "${m.name}" (${where}), which no script provides (used by ${users})`));
    }
    if (present.length === 0 && missingRequired.length === 0) {
      out.push(new HearthError('ERR_CONFIG_VALUE', `facility "${facility}": none of ${members.map((m) => `${m.optional ? '+' : ''}${m.name}`).join(' ')} is installed, so nothing provides it (used by ${users})`, {
        hint: 'its users start without waiting for it',
      }));
    }
  }
  return out;
}

function describeUses(list: Use[]): string {
  const shown = list.slice(0, 6).map((u) => `${u.unit} (${u.key})`);
  return list.length > shown.length ? `${shown.join(', ')} and ${list.length - shown.length} more` : shown.join(', ');
}
