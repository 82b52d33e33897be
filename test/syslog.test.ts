import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, type RunningDaemon } from './helpers/daemon.js';
import { eventually, freePort } from './helpers/index.js';
import { nativeHelperPath } from '../src/native/index.js';

const LOGGER = '/usr/bin/logger';
const skip = !existsSync(LOGGER) ? 'logger (util-linux/bsdutils) not installed' : !nativeHelperPath('hearth-dgram') ? 'native helper hearth-dgram not built' : false;

describe('the syslog receiver', { skip }, () => {
  let d: RunningDaemon;
  const dir = mkdtempSync(join(tmpdir(), 'hearth-syslog-'));
  const sock = join(dir, 'log.sock');
  let udp: number;

  before(async () => {
    udp = await freePort();
    d = await startDaemon({
      'hearth.toml': `[syslog]\nsocket = "${sock}"\nudp_port = ${udp}\n`,
      // A daemon that only speaks syslog, its tag naming the service.
      'services/tagged.toml': `exec = ["/bin/sh", "-c", "${LOGGER} -u \\"$0\\" -t tagged 'hello via tag'; exec sleep 1000", "${sock}"]\n`,
      // Another whose messages carry its own pid (RFC 3164 tag[pid]) under an unrelated tag.
      'services/bypid.toml': `exec = ["/bin/sh", "-c", "${LOGGER} -u \\"$0\\" --id=$$ -t something-else -p daemon.warning 'hello via pid'; exec sleep 1000", "${sock}"]\n`,
    });
  });
  after(async () => {
    await d?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a message is attributed to the service named by its tag', async () => {
    await eventually(() => d.cli('logs', 'tagged').stdout.includes('tagged: hello via tag'), 5000, 'tagged log');
  });

  test('a message is attributed to the service whose pid it carries, with its priority kept', async () => {
    await eventually(() => d.cli('logs', 'bypid').stdout.includes('hello via pid'), 5000, 'bypid log');
    const rec = d
      .cli('logs', 'bypid', '--json')
      .stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { text: string; stream: string; priority?: number })
      .find((r) => r.text.includes('hello via pid'))!;
    assert.equal(rec.stream, 'syslog');
    assert.equal(rec.priority, 4);
    // -p filters by priority, as journalctl -p does: warning shows it, err does not.
    assert.match(d.cli('logs', 'bypid', '-p', 'warning').stdout, /hello via pid/);
    assert.doesNotMatch(d.cli('logs', 'bypid', '-p', 'err').stdout, /hello via pid/);
    assert.notEqual(d.cli('logs', '-p', 'loud').code, 0);
  });

  test('RFC 5424 over UDP on loopback lands in the journal; garbage does not stop the receiver', async () => {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.send(Buffer.from([0xff, 0x00, 0x3c]), udp, '127.0.0.1', () => r()));
    await new Promise<void>((r) => s.send('<14>1 2026-11-24T00:00:00Z host tagged 77 - - over udp', udp, '127.0.0.1', () => r()));
    s.close();
    await eventually(() => d.cli('logs', 'tagged').stdout.includes('over udp'), 5000, 'udp log');
  });
});

/**
 * A real daemon that only speaks syslog(3), which always writes to /dev/log:
 * Debian's cron, run as a hearth service inside a private mount namespace
 * whose /dev is an overlay with /dev/log pointing at hearth's socket (this
 * machine's own /dev is never touched), and a private /run for its pidfile.
 */
describe('syslog from a real daemon', () => {
  const CRON = '/usr/sbin/cron';
  const canRun =
    existsSync(CRON) && process.getuid?.() === 0 && nativeHelperPath('hearth-dgram') !== null
      ? false
      : 'needs root, Debian cron and the native helper hearth-dgram';
  test("cron's own syslog messages appear under its service", { skip: canRun }, async (t) => {
    if (spawnSync('unshare', ['--mount', 'true']).status !== 0) return t.skip('unshare --mount is not permitted here');
    const dir = mkdtempSync(join(tmpdir(), 'hearth-cron-'));
    const sock = join(dir, 'log.sock');
    const script = [
      'set -e',
      'mkdir -p "$2/upper" "$2/work"',
      'mount -t overlay overlay -o "lowerdir=/dev,upperdir=$2/upper,workdir=$2/work" /dev',
      'ln -sf "$1" /dev/log',
      'mount -t tmpfs tmpfs /run',
      `exec ${CRON} -f -L 15`,
    ].join('; ');
    const d = await startDaemon({
      'hearth.toml': `[syslog]\nsocket = "${sock}"\n`,
      'services/cron.toml': `exec = ["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", ${JSON.stringify(script)}, "sh", "${sock}", "${dir}"]\n`,
    });
    try {
      await eventually(() => /cron\[\d+\]: \(CRON\) INFO/.test(d.cli('logs', 'cron').stdout), 10_000, "cron's syslog lines under cron");
    } finally {
      await d.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
