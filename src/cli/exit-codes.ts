/**
 * hearth's exit codes. `status` follows LSB (0 running, 3 not running, 4
 * unknown service); everything else is 0 ok, 1 failed, 2 usage.
 *
 * A daemon that cannot be reached is 1 for every command, status included: LSB's
 * 4 means "this service does not exist", which we cannot know without hearthd,
 * and scripts should not mistake a stopped hearthd for a missing service.
 */
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  NOT_RUNNING: 3,
  UNKNOWN_SERVICE: 4,
} as const;
