import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, type RunningDaemon } from './helpers/daemon.js';
import { eventually, tempDir } from './helpers/index.js';

/**
 * A service's own log_max_size holds from the first record a new hearthd
 * journals for it. After a kill -9 of hearthd the spool helper keeps taking
 * the service's output; the next hearthd journals that backlog as it starts,
 * before the service definitions are loaded. It used to rotate it by the
 * [logs] defaults meanwhile (a log_max_size = "1G" service got 10 MiB files,
 * and log_keep pushed older ones out).
 */

const LINES = 100_000; // about 2.4 MB of records: many times the 64K default below

function logFiles(logDir: string, name: string): string[] {
  return readdirSync(logDir)
    .filter((f) => f === `${name}.log` || f.startsWith(`${name}.log.`))
    .sort((a, b) => Number(b.split('.log.')[1] ?? 0) - Number(a.split('.log.')[1] ?? 0));
}

function numbers(logDir: string, name: string): number[] {
  return logFiles(logDir, name)
    .flatMap((f) => readFileSync(join(logDir, f), 'latin1').split('\n'))
    .map((l) => /^\d+ o\S* (\d+)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]));
}

describe('log rotation of output journaled while a new hearthd starts', () => {
  test('the backlog a killed hearthd left is rotated by the service\'s log_max_size, not the [logs] default', async () => {
    // The service waits for a file, so that it writes only while hearthd is down.
    const signals = tempDir('hearth-rot-');
    const go = join(signals.path, 'go');
    const done = join(signals.path, 'done');
    const service = `exec = ["/bin/sh", "-c", "while [ ! -e ${go} ]; do sleep 0.05; done; seq 1 ${LINES}; touch ${done}; exec sleep 1000"]\nlog_max_size = "1G"\nrestart = "never"\n`;
    let d: RunningDaemon | undefined;
    try {
      const started = await startDaemon({ 'hearth.toml': '[logs]\nmax_size = "64K"\n', 'services/big.toml': service });
      d = started;
      await eventually(() => (JSON.parse(started.cli('status', 'big', '--json').stdout) as { state: string }).state === 'running', 10_000, 'big running');

      await started.crash();
      writeFileSync(go, '');
      // The spool helper outlives hearthd and takes the output (well under its cap), so seq finishes.
      await eventually(() => existsSync(done), 30_000, 'the service wrote everything while hearthd was down');
      d = await started.restart();
      const logDir = join(d.root, 'log');
      await eventually(() => numbers(logDir, 'big').at(-1) === LINES, 30_000, 'the backlog journaled to its last line');
      assert.deepEqual(logFiles(logDir, 'big'), ['big.log'], 'one file: the service\'s 1G limit, not the 64K default');
      const got = numbers(logDir, 'big');
      for (let i = 0; i < got.length; i++) if (got[i] !== i + 1) assert.fail(`line ${i + 1} is ${got[i]}: lost or doubled`);
      assert.equal(got.length, LINES);
    } finally {
      d?.cli('stop', 'big');
      await d?.stop();
      signals.cleanup();
    }
  });
});
