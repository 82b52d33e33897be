/**
 * The syslog receiver with real senders: util-linux `logger` on the receiver's
 * unix socket (through the native helper, which reports the sender's pid) and
 * on loopback UDP, into a real journal in a temp dir. The daemon wiring is
 * covered by test/syslog.test.ts.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal, type LogRecord } from '../src/journal/index.js';
import { nativeHelperPath } from '../src/native/index.js';
import { SyslogReceiver } from '../src/syslog/index.js';
import { eventually } from './helpers/index.js';

const LOGGER = ['/usr/bin/logger', '/bin/logger'].find((p) => existsSync(p));
const skip = !LOGGER
  ? 'util-linux logger is not installed'
  : !nativeHelperPath('hearth-dgram')
    ? 'the native helper hearth-dgram is not built (node scripts/build-native.mjs)'
    : false;

describe('the syslog receiver with a real logger', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-syslog-'));
  const sock = join(dir, 'log.sock');
  const journal = new Journal({ dir: join(dir, 'log') });
  /** logger's pid → the service it stands for; filled right after each spawn. */
  const byPid = new Map<number, string>();
  /** Tags that name a service, as the daemon's supervisor would confirm. */
  const services = new Set(['tagged', 'othersvc']);
  let receiver: SyslogReceiver;
  let udpPort: number;

  before(async () => {
    receiver = new SyslogReceiver({
      journal,
      socketPath: sock,
      udpPort: 0,
      fallback: 'unclaimed',
      rateLimit: { burst: 50, intervalMs: 60_000 },
      attribute: ({ pid, appName }) => (pid !== undefined ? byPid.get(pid) : appName !== undefined && services.has(appName) ? appName : undefined),
    });
    udpPort = (await receiver.start()).udpPort!;
  });
  after(() => {
    receiver?.stop();
    journal.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs logger as `service` (or as nobody's when undefined); resolves with its pid once it exited 0. */
  function logger(service: string | undefined, args: string[], stdin?: string): Promise<number> {
    const child = spawn(LOGGER!, args, { stdio: [stdin === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'] });
    const pid = child.pid!;
    if (service) byPid.set(pid, service);
    if (stdin !== undefined) child.stdin!.end(stdin);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(pid) : reject(new Error(`logger ${args.join(' ')} exited ${code}: ${stderr}`))));
    });
  }

  async function recordsOf(service: string, count: number): Promise<LogRecord[]> {
    const found = await eventually(
      async () => {
        const got = await journal.query({ names: [service] });
        return got.length >= count ? got : null;
      },
      10_000,
      `${count} records under "${service}"`,
    );
    return found!;
  }

  test('the socket is open to every user, as /dev/log must be', () => {
    assert.equal(statSync(sock).mode & 0o777, 0o666);
  });

  test("logger's local form lands under the service owning its pid, with its priority", async () => {
    await logger('local-form', ['-u', sock, '-t', 'mytag', '-p', 'daemon.err', 'hello from logger']);
    const [r] = await recordsOf('local-form', 1);
    assert.equal(r?.text, 'mytag: hello from logger');
    assert.equal(r?.stream, 'syslog');
    assert.equal(r?.priority, 3);
  });

  test('logger --rfc3164 -i is shown as "tag[pid]: message"', async () => {
    const pid = await logger('rfc3164', ['-u', sock, '--rfc3164', '-i', '-t', 'oldstyle', '-p', 'user.warning', 'with a hostname']);
    const [r] = await recordsOf('rfc3164', 1);
    assert.equal(r?.text, `oldstyle[${pid}]: with a hostname`);
    assert.equal(r?.priority, 4);
  });

  test('logger --rfc5424 with structured data and a msgid keeps only the message text', async () => {
    const pid = await logger('rfc5424', [
      '-u', sock, '--rfc5424', '-i', '-t', 'newstyle', '-p', 'local3.debug',
      '--msgid', 'MID', '--sd-id', 'zoo@32473', '--sd-param', 'tiger="hungry"', 'structured hello',
    ]);
    const [r] = await recordsOf('rfc5424', 1);
    assert.equal(r?.text, `newstyle[${pid}]: structured hello`);
    assert.equal(r?.priority, 7);
  });

  test("the sender's pid wins over a tag that names another service", async () => {
    await logger('by-pid', ['-u', sock, '-t', 'othersvc', 'who am I']);
    const [r] = await recordsOf('by-pid', 1);
    assert.equal(r?.text, 'othersvc: who am I');
    assert.deepEqual(await journal.query({ names: ['othersvc'] }), []);
  });

  test('a sender no service owns is attributed by its tag', async () => {
    await logger(undefined, ['-u', sock, '-t', 'tagged', 'by tag alone']);
    const [r] = await recordsOf('tagged', 1);
    assert.equal(r?.text, 'tagged: by tag alone');
  });

  test('a message nothing claims goes under the fallback name', async () => {
    await logger(undefined, ['-u', sock, '-t', 'stranger', 'anyone?']);
    const [r] = await recordsOf('unclaimed', 1);
    assert.equal(r?.text, 'stranger: anyone?');
  });

  test('each line logger reads from stdin is its own record', async () => {
    await logger('lines', ['-u', sock, '-t', 'multi'], 'line one\nline two\nline three\n');
    const got = await recordsOf('lines', 3);
    assert.deepEqual(
      got.map((r) => r.text),
      ['multi: line one', 'multi: line two', 'multi: line three'],
    );
  });

  test('logger over UDP on loopback is attributed by the pid it claims', async () => {
    const pid = await logger('over-udp', ['-d', '-n', '127.0.0.1', '-P', String(udpPort), '--rfc5424', '-i', '-t', 'udptag', 'over the network']);
    const [r] = await recordsOf('over-udp', 1);
    assert.equal(r?.text, `udptag[${pid}]: over the network`);
  });

  test('a flooding sender is cut at the burst, its drops reported once under its service', async () => {
    const lines = Array.from({ length: 300 }, (_, i) => `flood ${i}`).join('\n');
    const pid = await logger('flood', ['-u', sock, '-t', 'flood'], `${lines}\n`);
    await eventually(() => receiver.stats().dropped >= 250, 10_000, 'the flood to arrive');
    // Stopping reports what the window dropped so far (hearthd stops it before closing the journal).
    receiver.stop();
    const got = await recordsOf('flood', 51);
    assert.equal(got.length, 51);
    assert.deepEqual(
      got.slice(0, 50).map((r) => r.text),
      Array.from({ length: 50 }, (_, i) => `flood: flood ${i}`),
    );
    assert.equal(got[50]?.text, `hearth: suppressed 250 syslog messages from pid ${pid} (more than 50 in 60s)`);
    assert.equal(got[50]?.priority, 4);
    await eventually(() => !existsSync(sock), 5000, 'the socket file to be removed');
  });
});
