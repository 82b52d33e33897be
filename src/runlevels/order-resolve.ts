/**
 * What a dependency word stands for: a unit's own name, a name some unit
 * provides, or a `$facility` — defined in insserv.conf as a list of names
 * (`+name` optional) and/or provided directly by a unit (a hearth extension:
 * a native service may say `provides = ["$syslog"]`).
 */
import type { OrderUnit } from './order.js';

export interface Resolved {
  /** Unit names the word stands for (deduplicated). */
  units: string[];
  /** For a facility: its required members that no unit provides. */
  missingMembers: string[];
  /** A `$facility` that insserv.conf does not define and no unit provides. */
  undefinedFacility: boolean;
}

export class Resolver {
  private readonly byName = new Map<string, OrderUnit>();
  private readonly aliases = new Map<string, string[]>();
  private readonly facilities = new Map<string, string[]>();

  constructor(units: readonly OrderUnit[], facilities: Record<string, readonly string[]> = {}) {
    for (const u of units) this.byName.set(u.name, u);
    for (const u of units) {
      for (const p of u.provides ?? []) {
        if (p === u.name) continue;
        const key = p.startsWith('$') ? p.toLowerCase() : p;
        const list = this.aliases.get(key) ?? [];
        if (!list.includes(u.name)) list.push(u.name);
        this.aliases.set(key, list);
      }
    }
    for (const [facility, members] of Object.entries(facilities)) this.facilities.set(facility.toLowerCase(), [...members]);
  }

  unit(name: string): OrderUnit | undefined {
    return this.byName.get(name);
  }

  /** Unit names a dependency word stands for; empty when nothing provides it. */
  resolve(word: string): string[] {
    return this.explain(word).units;
  }

  /** Whether a word is only reachable through insserv.conf members (never pulled in: insserv only orders). */
  isConfFacility(word: string): boolean {
    return word.startsWith('$') && this.facilities.has(word.toLowerCase()) && !this.aliases.has(word.toLowerCase());
  }

  explain(word: string): Resolved {
    if (!word.startsWith('$')) return { units: this.resolveName(word), missingMembers: [], undefinedFacility: false };
    const key = word.toLowerCase();
    const units = [...(this.aliases.get(key) ?? [])];
    const members = this.facilities.get(key);
    const missingMembers: string[] = [];
    for (const m of members ?? []) {
      const optional = m.startsWith('+');
      const name = optional ? m.slice(1) : m;
      const found = this.resolveName(name);
      if (found.length === 0 && !optional) missingMembers.push(name);
      for (const f of found) if (!units.includes(f)) units.push(f);
    }
    return { units, missingMembers, undefinedFacility: members === undefined && units.length === 0 };
  }

  private resolveName(name: string): string[] {
    const own = this.byName.has(name) ? [name] : [];
    const others = (this.aliases.get(name) ?? []).filter((n) => n !== name);
    return [...own, ...others];
  }
}
