/**
 * hearth: the CLI. Everything happens in src/cli's runCli, which returns an exit
 * code; this file only connects it to the real process (argv, stdio, Ctrl-C)
 * and is the one place that exits.
 */
import { runCli } from '../cli/index.js';
import { useLocalZone } from '../model/index.js';
import { localZoneAt } from '../util/time-zone.js';

// Local time and zone names as date(1) gives them, from the TZ database (see useLocalZone).
useLocalZone(localZoneAt);

const controller = new AbortController();
process.on('SIGINT', () => {
  if (controller.signal.aborted) process.exit(130);
  // `logs -f` ends cleanly on abort; a command that does not listen is cut
  // short shortly after, as Ctrl-C would without a handler.
  controller.abort();
  setTimeout(() => process.exit(130), 300).unref();
});

// `hearth list | head -1`: a closed pipe is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

/**
 * Writes through `stream` and remembers when the last write is done. A pipe's
 * writes complete asynchronously, and process.exit() drops what is still
 * queued (a pipe holds 64 KiB): the CLI exits only once everything is out.
 */
function trackedWriter(stream: NodeJS.WriteStream): { write(text: string): void; drained(): Promise<void> } {
  let last: Promise<void> = Promise.resolve();
  return {
    write(text) {
      last = new Promise((resolve) => stream.write(text, () => resolve()));
    },
    drained: () => last,
  };
}
const stdout = trackedWriter(process.stdout);
const stderr = trackedWriter(process.stderr);

const code = await runCli(
  process.argv.slice(2),
  {
    stdout: (text) => stdout.write(text),
    stderr: (text) => stderr.write(text),
    env: process.env,
    isTTY: process.stdout.isTTY === true,
    columns: process.stdout.columns,
    cwd: process.cwd(),
    signal: controller.signal,
    readSecret: (prompt) => import('../cli/read-secret.js').then((m) => m.readSecret(prompt)),
  },
  // bin/hearth reached through a symlink named chkconfig, service, telinit… picks that personality.
  { argv0: process.env.HEARTH_ARGV0 ?? process.argv[1] },
);
// Writes complete in order, so the last one's callback means all are out.
await Promise.all([stdout.drained(), stderr.drained()]);
process.exit(code);
