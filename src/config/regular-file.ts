/**
 * Reading a config file. hearthd reads its config while it runs, so a path that is not a
 * regular file must not hold it: a FIFO (named like a service file, put in cron.d, or at
 * hearth.toml's place) would block the read until someone wrote to it, and a read of a
 * device could go on for ever. The file is opened without blocking and refused unless it
 * is a regular file; errors keep their code (ENOENT, EACCES …) for the callers that
 * tell a missing file from a broken one.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';

export function readRegularFile(path: string): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    if (!fstatSync(fd).isFile()) throw new Error('not a regular file');
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}
