/**
 * SysV runlevels and systemd targets, mapped as systemd's own package maps
 * them (its runlevelN.target aliases): 0 poweroff, 1 rescue, 2–4
 * multi-user, 5 graphical, 6 reboot. A unit is "on" in a runlevel when one
 * of the targets that want or require it is reachable from that runlevel's
 * target, so a unit wanted by multi-user.target is on in 2, 3, 4 and 5
 * (graphical.target wants multi-user.target).
 */

export const RUNLEVEL_TARGETS: Readonly<Record<number, string>> = {
  0: 'poweroff.target', 1: 'rescue.target', 2: 'multi-user.target', 3: 'multi-user.target', 4: 'multi-user.target', 5: 'graphical.target', 6: 'reboot.target',
};

/** systemd's runlevelN.target alias names. */
export function runlevelTargetAlias(level: number): string {
  return `runlevel${level}.target`;
}

/** The runlevels a target stands for directly (multi-user.target → 2, 3, 4). */
export function runlevelsOfTarget(target: string): number[] {
  const m = /^runlevel([0-6])\.target$/.exec(target);
  if (m) return [Number(m[1])];
  return Object.entries(RUNLEVEL_TARGETS).filter(([, t]) => t === target).map(([l]) => Number(l));
}

/** The target for a runlevel word on the kernel command line or for telinit: 1/s/S/single/rescue, 2–5, emergency. */
export function targetForRunlevelWord(word: string): string | null {
  if (['emergency', '-b'].includes(word)) return 'emergency.target';
  if (['rescue', 'single', '-s', 's', 'S', '1'].includes(word)) return 'rescue.target';
  if (['2', '3', '4'].includes(word)) return 'multi-user.target';
  if (word === '5') return 'graphical.target';
  if (word === '0') return 'poweroff.target';
  if (word === '6') return 'reboot.target';
  return null;
}

/**
 * The runlevels in which a unit wanted/required by `enablingTargets` runs.
 * `dependenciesOf(target)` gives a target's Wants= and Requires= (from its
 * file and its .wants/.requires links); runlevel targets reach what they pull in.
 */
export function runlevelsFor(enablingTargets: readonly string[], dependenciesOf: (target: string) => readonly string[]): number[] {
  const levels: number[] = [];
  for (let level = 0; level <= 6; level++) {
    const start = RUNLEVEL_TARGETS[level]!;
    const seen = new Set<string>([start, runlevelTargetAlias(level)]);
    const stack = [start];
    while (stack.length > 0) {
      const t = stack.pop()!;
      for (const d of dependenciesOf(t)) {
        if (d.endsWith('.target') && !seen.has(d)) {
          seen.add(d);
          stack.push(d);
        }
      }
    }
    if (enablingTargets.some((t) => seen.has(t))) levels.push(level);
  }
  return levels;
}

/** The default runlevel a default.target stands for (graphical → 5, multi-user → 3 as chkconfig shows it); null if unmapped. */
export function runlevelOfDefaultTarget(target: string): number | null {
  if (target === 'multi-user.target') return 3;
  const levels = runlevelsOfTarget(target);
  return levels.length > 0 ? levels[0]! : null;
}
