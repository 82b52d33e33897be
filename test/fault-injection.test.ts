import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, type RunningDaemon } from './helpers/daemon.js';
import { FIXTURE_BIN, REPO, eventually, serviceProcesses } from './helpers/index.js';

/**
 * kill -9 of hearthd at awkward moments. After each, a new hearthd must end
 * up with every service present exactly once, in the state the operator asked
 * for, and (for the log scenario) with no line lost.
 */

interface Row {
  name: string;
  state: string;
  pid: number | null;
}

const rows = (d: RunningDaemon): Row[] => JSON.parse(d.cli('list', '--json').stdout) as Row[];


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Service names unique to this run: the checks count processes by their
 * HEARTH_SERVICE marker across the whole machine, where another hearthd (a
 * demo, a benchmark, another checkout's tests) may run services named s0.
 */
const ID = `fi${process.pid}`;

/** A service printing n=1, n=2, … that runs through every scenario, so each one also checks that no line is lost. */
const WRITER = { 'services/writer.toml': `exec = ["${join(FIXTURE_BIN, 'counter')}", "0.002"]\nrunlevels = [1, 2, 3, 4, 5]\n` };

function assertNoLineLost(d: RunningDaemon, name: string, atLeast = 10): void {
  const logs = d.cli('logs', name, '--json', '-n', '1000000');
  assert.equal(logs.code, 0, logs.stderr);
  const numbers = logs.stdout
    .trim()
    .split('\n')
    .map((l) => /^n=(\d+)$/.exec((JSON.parse(l) as { text: string }).text))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]));
  assert.ok(numbers.length > atLeast, `output across the crash (${numbers.length} lines)`);
  for (let i = 0; i < numbers.length; i++) {
    if (numbers[i] !== i + 1) assert.fail(`${name}: line n=${i + 1} lost or out of order (found n=${numbers[i]})`);
  }
}

describe('fault injection: kill -9 of hearthd', () => {
  test('during start: every service ends up running exactly once', async () => {
    const files: Record<string, string> = { ...WRITER };
    for (let i = 0; i < 12; i++) {
      files[`services/${ID}-s${i}.toml`] = 'exec = ["/bin/sh", "-c", "sleep 0.3; echo up; exec sleep 1000"]\nready = "log:^up"\n';
    }
    let d = await startDaemon(files);
    try {
      await sleep(150); // services are spawned, none is ready yet
      await d.crash();
      d = await d.restart();
      await eventually(() => rows(d).filter((r) => r.state === 'running').length === 13, 10_000, 'all 12 running');
      for (let i = 0; i < 12; i++) assert.equal(serviceProcesses(`${ID}-s${i}`, d.runtimeDir).length, 1, `s${i} runs exactly once`);
      assertNoLineLost(d, 'writer', 5);
    } finally {
      await d.stop();
    }
  });

  test('during stop: the stop is finished by the next hearthd', async () => {
    let d = await startDaemon({
      ...WRITER,
      [`services/${ID}-stubborn.toml`]: `exec = ["${join(FIXTURE_BIN, 'ignore-term')}", "/dev/null"]\nstop_timeout = "1s"\n`,
    });
    try {
      await eventually(() => rows(d).find((r) => r.name === `${ID}-stubborn`)?.state === 'running', 5000, 'running');
      const stopper = spawn(join(REPO, 'bin', 'hearth'), ['--socket', d.socket, 'stop', `${ID}-stubborn`], { stdio: 'ignore' });
      await eventually(() => rows(d).find((r) => r.name === `${ID}-stubborn`)?.state === 'stopping', 5000, 'stopping');
      await d.crash();
      stopper.kill();
      d = await d.restart();
      await eventually(() => rows(d).find((r) => r.name === `${ID}-stubborn`)?.state === 'stopped' && serviceProcesses(`${ID}-stubborn`, d.runtimeDir).length === 0, 10_000, 'stopped for good');
      assertNoLineLost(d, 'writer');
    } finally {
      await d.stop();
    }
  });

  test('during a reload: the changed service runs once, with its new definition', async () => {
    let d = await startDaemon({ ...WRITER, 'services/a.toml': 'exec = ["/bin/sleep", "1000"]\n' });
    try {
      await eventually(() => rows(d).find((r) => r.name === 'a')?.state === 'running', 5000, 'running');
      writeFileSync(join(d.configDir, 'services/a.toml'), 'exec = ["/bin/sleep", "1001"]\n');
      d.child.kill('SIGHUP');
      await sleep(5);
      await d.crash();
      d = await d.restart();
      await eventually(() => {
        const pids = serviceProcesses('a', d.runtimeDir);
        return pids.length === 1 && readFileSync(`/proc/${pids[0]}/cmdline`, 'latin1').includes('1001') && rows(d).find((r) => r.name === 'a')?.pid === pids[0];
      }, 10_000, 'one a running sleep 1001').catch((e) => {
        throw new Error(`${(e as Error).message}; processes ${JSON.stringify(serviceProcesses('a', d.runtimeDir))} rows ${JSON.stringify(rows(d))} log ${d.output()}`);
      });
    } finally {
      await d.stop();
    }
  });

  test('during a runlevel switch: the next hearthd finishes the switch', async () => {
    const files: Record<string, string> = { ...WRITER, 'services/three.toml': 'exec = ["/bin/sleep", "1000"]\nrunlevels = [3]\n' };
    for (let i = 0; i < 6; i++) {
      files[`services/five${i}.toml`] = 'exec = ["/bin/sh", "-c", "sleep 0.4; echo up; exec sleep 1000"]\nready = "log:^up"\nrunlevels = [5]\n';
    }
    let d = await startDaemon(files);
    try {
      await eventually(() => rows(d).find((r) => r.name === 'three')?.state === 'running', 5000, 'three running');
      assert.equal(d.cli('init', '5', '--no-block').code, 0);
      await sleep(150); // three is stopped, the five* are starting, none is ready yet
      await d.crash();
      d = await d.restart();
      await eventually(() => rows(d).filter((r) => r.name.startsWith('five') && r.state === 'running').length === 6, 10_000, 'all of 5 running');
      assert.equal(d.cli('runlevel').stdout.trim().split(' ')[1], '5');
      assert.equal(rows(d).find((r) => r.name === 'three')?.state, 'stopped');
      assert.equal(serviceProcesses('three', d.runtimeDir).length, 0);
      for (let i = 0; i < 6; i++) assert.equal(serviceProcesses(`five${i}`, d.runtimeDir).length, 1, `five${i} runs exactly once`);
      assert.equal(serviceProcesses('writer', d.runtimeDir).length, 1);
      assertNoLineLost(d, 'writer', 5);
    } finally {
      await d.stop();
    }
  });

  test('during heavy output: not one line is lost', async () => {
    // Large files: nothing may rotate away, the check starts at n=1.
    let d = await startDaemon({ 'services/flood.toml': `exec = ["${join(FIXTURE_BIN, 'counter')}", "0"]\nlog_max_size = "1G"\n` });
    const newest = (): number => {
      const m = /"text":"n=(\d+)"/.exec(d.cli('logs', 'flood', '-n', '1', '--json').stdout);
      return m ? Number(m[1]) : 0;
    };
    try {
      await eventually(() => newest() > 20_000, 30_000, 'the flood journaled');
      await d.crash();
      d = await d.restart();
      const atRestart = newest();
      await eventually(() => newest() > atRestart + 20_000, 30_000, 'the flood journaled by the new hearthd');
      d.cli('stop', 'flood');
      // More lines than `hearth logs` hands out at once: read the files, oldest first.
      const logDir = join(d.root, 'log');
      const files = readdirSync(logDir)
        .map((f) => /^flood\.log(?:\.(\d+))?$/.exec(f))
        .filter((m): m is RegExpExecArray => m !== null)
        .sort((a, b) => Number(b[1] ?? 0) - Number(a[1] ?? 0));
      const numbers = files
        .flatMap((m) => readFileSync(join(logDir, m[0]), 'latin1').split('\n'))
        .map((l) => /^\d+ o\S* n=(\d+)$/.exec(l))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => Number(m[1]));
      assert.ok(numbers.length > 40_000, `output across the crash (${numbers.length} lines)`);
      for (let i = 0; i < numbers.length; i++) if (numbers[i] !== i + 1) assert.fail(`flood: line n=${i + 1} lost or doubled (found n=${numbers[i]})`);
    } finally {
      await d.stop();
    }
  });
});
