import { constants, openSync } from 'node:fs';
import type { Socket } from 'node:net';
import { HearthError } from '../errors/index.js';
import type { OutputTarget, ServiceDefinition } from '../model/index.js';

/** A service's output FIFO by its path, for a spawn that opens it itself (hearth-spawner). */
export class FifoPath {
  constructor(readonly path: string) {}
}

/** J: how the journal's ends are given, descriptors for Node's spawn or FIFO paths for the helper. */
type StreamSpec<J> = number | 'pipe' | 'ignore' | Socket | J;

/** stdout and stderr for one spawn, and the fds hearthd opened for it (closed right after the spawn). */
export interface OutputFds<J = number> {
  stdout: StreamSpec<J>;
  stderr: StreamSpec<J>;
  opened: number[];
}

function openTarget(def: ServiceDefinition, t: Extract<OutputTarget, { kind: 'file' }>): number {
  const mode = t.mode === 'append' ? constants.O_APPEND : t.mode === 'truncate' ? constants.O_TRUNC : 0;
  try {
    // Opened as hearthd, before the user switch, as systemd does: the service need not be able to open it.
    return openSync(t.path, constants.O_WRONLY | constants.O_CREAT | constants.O_NOCTTY | mode, 0o666);
  } catch (e) {
    throw new HearthError('ERR_SPAWN', `cannot start "${def.name}": cannot open "${t.path}" for its output: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Where a spawn's stdout and stderr go: the journal (the service's FIFO fds,
 * or pipes hearthd reads), nowhere, or a file (StandardOutput=file:,
 * append:, truncate:). stderr "inherit" goes where stdout goes; stdout
 * "inherit" goes where stdin comes from, which is /dev/null.
 */
export function outputFds<J extends number | FifoPath = number>(def: ServiceDefinition, journal: readonly [J, J] | undefined, connection?: Socket): OutputFds<J> {
  const opened: number[] = [];
  const target = def.output ?? { stdout: { kind: 'journal' }, stderr: { kind: 'journal' } };
  const spec = (t: OutputTarget, stream: 0 | 1): StreamSpec<J> => {
    switch (t.kind) {
      case 'socket':
        if (connection) return connection;
        return journal?.[stream] ?? 'pipe';
      case 'journal':
        return journal?.[stream] ?? 'pipe';
      case 'null':
        return 'ignore';
      case 'inherit':
        // stdout inherits stdin: the connection of a per-connection service, else /dev/null.
        return connection ?? 'ignore';
      case 'file': {
        const fd = openTarget(def, t);
        opened.push(fd);
        return fd;
      }
    }
  };
  const stdout = spec(target.stdout, 0);
  const stderr = target.stderr.kind === 'inherit' ? (stdout === journal?.[0] && journal ? journal[1] : stdout) : spec(target.stderr, 1);
  return { stdout, stderr, opened };
}
