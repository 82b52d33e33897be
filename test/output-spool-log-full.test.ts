import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, type RunningDaemon } from './helpers/daemon.js';
import { eventually, pidAlive, tempDir } from './helpers/index.js';

/**
 * on_log_full in the output path, end to end: hearthd's log dir is on a small
 * tmpfs that the test fills. A service with on_log_full = "block" is not read
 * while its log cannot be written: its writer blocks in write() (it is still
 * alive, its output not done), and when space returns (the tmpfs is made
 * larger) every line reaches the journal exactly once. A service with the
 * default "drop" loses lines meanwhile and its log says so in a gap record.
 * Both output paths: through the spool helper (the default), and with
 * HEARTH_SPOOL=off, where hearthd reads the FIFOs itself and pauses them.
 */

const LINES = 200_000; // about 1.9 MB of output: more than the tmpfs holds
const writer = (extra = ''): string => `exec = ["/usr/bin/seq", "-f", "n=%.0f", "1", "${LINES}"]\nrestart = "never"\n${extra}`;

interface Logged {
  text: string;
  partial: boolean;
  gap: boolean;
}

function journal(logDir: string, name: string): Logged[] {
  const files = readdirSync(logDir)
    .map((f) => /^(.+)\.log(?:\.(\d+))?$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null && m[1] === name)
    .sort((a, b) => Number(b[2] ?? 0) - Number(a[2] ?? 0));
  const out: Logged[] = [];
  for (const m of files) {
    for (const raw of readFileSync(join(logDir, m[0]), 'latin1').split('\n')) {
      const r = /^\d+ (\S+) (.*)$/.exec(raw);
      if (r && (/^[oe]/.test(r[1]!) || /^h\S*g/.test(r[1]!))) out.push({ text: r[2]!, partial: r[1]!.includes('p'), gap: r[1]!.startsWith('h') && r[1]!.includes('g') });
    }
  }
  return out;
}

/** The pid of seq run by service `name` (its main pid while it runs). */
function mainPid(d: RunningDaemon, name: string): number {
  const r = d.cli('status', name, '--json');
  return (JSON.parse(r.stdout) as { pid: number | null }).pid ?? 0;
}

describe('on_log_full acts on service output when the log filesystem is full', () => {
  const saved: Record<string, string | undefined> = {};
  before(() => {
    // A small spool, so that the blocked writer really waits in write().
    saved.HEARTH_SPOOL_CAP_BYTES = process.env.HEARTH_SPOOL_CAP_BYTES;
    process.env.HEARTH_SPOOL_CAP_BYTES = '65536';
  });
  after(() => {
    if (saved.HEARTH_SPOOL_CAP_BYTES === undefined) delete process.env.HEARTH_SPOOL_CAP_BYTES;
    else process.env.HEARTH_SPOOL_CAP_BYTES = saved.HEARTH_SPOOL_CAP_BYTES;
  });

  for (const spool of ['on', 'off'] as const) {
    test(`"block" stops reading and loses nothing, "drop" writes a gap record (spool helper ${spool})`, async () => {
      const dir = tempDir('hearth-logfull-');
      const mnt = join(dir.path, 'mnt');
      mkdirSync(mnt);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0755', 'tmpfs', mnt]);
      const logDir = join(mnt, 'log');
      mkdirSync(logDir);
      // The filesystem is full before the services write a line.
      try {
        writeFileSync(join(mnt, 'filler'), Buffer.alloc(2 * 1024 * 1024));
      } catch {
        // ENOSPC: what fit stays, which is the point
      }
      const before = process.env.HEARTH_SPOOL;
      if (spool === 'off') process.env.HEARTH_SPOOL = 'off';
      let d: RunningDaemon | undefined;
      try {
        d = await startDaemon({ 'services/careful.toml': writer('on_log_full = "block"\n'), 'services/loose.toml': writer() }, ['--log-dir', logDir]);
        if (before === undefined) delete process.env.HEARTH_SPOOL;
        else process.env.HEARTH_SPOOL = before;
        const daemon = d;
        // The helper is built, so only this line says that hearthd reads the pipes itself.
        if (spool === 'off') await eventually(() => /HEARTH_SPOOL=off: hearth-spool is not used; hearthd reads service output/.test(daemon.output()), 10_000, 'hearthd to say it runs without the spool');
        // Blocked: the journal says so, and the writer waits in write() with its output unfinished.
        await eventually(() => {
          const s = JSON.parse(daemon.cli('status', 'careful', '--json').stdout) as { logging?: { blocked: boolean } };
          return s.logging?.blocked === true;
        }, 30_000, 'careful blocked');
        const pid = mainPid(daemon, 'careful');
        assert.ok(pid > 0 && pidAlive(pid), 'the blocked writer is still running');
        await eventually(() => mainPid(daemon, 'loose') === 0, 60_000, '"drop": loose is not held back and ends');
        assert.ok(pidAlive(pid), 'careful is still held while the disk is full');

        // Space returns.
        execFileSync('mount', ['-o', 'remount,size=64m', mnt]);
        await eventually(() => journal(logDir, 'careful').filter((l) => !l.gap).length >= LINES, 60_000, 'every line of careful journaled');
        const careful = journal(logDir, 'careful');
        assert.equal(careful.filter((l) => l.gap).length, 0, 'nothing of careful was dropped');
        assert.equal(careful.filter((l) => l.partial).length, 0, 'no line of careful was cut');
        const texts = careful.map((l) => l.text);
        for (let i = 0; i < texts.length; i++) if (texts[i] !== `n=${i + 1}`) assert.fail(`careful: line ${i + 1} is "${texts[i]}": lost, doubled or broken`);
        assert.equal(texts.length, LINES);

        await eventually(() => journal(logDir, 'loose').some((l) => l.gap), 30_000, 'the gap record of loose');
        const gap = journal(logDir, 'loose').find((l) => l.gap)!;
        assert.match(gap.text, /records? \(\d+ bytes\) dropped from .*no space left on device/);
      } finally {
        if (before === undefined) delete process.env.HEARTH_SPOOL;
        else process.env.HEARTH_SPOOL = before;
        await d?.stop();
        execFileSync('umount', ['-l', mnt]);
        dir.cleanup();
      }
    });
  }
});
