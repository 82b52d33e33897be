/** Runlevel sets as chkconfig spells them: a string of digits 0-6 such as "2345". */

export const ALL_LEVELS = [0, 1, 2, 3, 4, 5, 6] as const;

/** chkconfig's default for --level when none is given. */
export const CHKCONFIG_DEFAULT_LEVELS = [2, 3, 4, 5];

/** Parses "2345" into [2,3,4,5]; undefined when any character is not 0-6 or the string is empty. */
export function parseLevelString(text: string): number[] | undefined {
  if (!/^[0-6]+$/.test(text)) return undefined;
  return [...new Set([...text].map(Number))].sort((a, b) => a - b);
}

export function isRunlevel(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 6;
}

/** Seven booleans, index = runlevel. */
export type LevelFlags = boolean[];

export function levelsToFlags(levels: readonly number[]): LevelFlags {
  return ALL_LEVELS.map((l) => levels.includes(l));
}

export function flagsToLevels(flags: LevelFlags): number[] {
  return ALL_LEVELS.filter((l) => flags[l] === true);
}
