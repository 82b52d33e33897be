// Log ingestion without loss: 10 services write numbered lines flat out for LOG_SECONDS
// (bench/client/logwriter.c); every subject captures them; then every line is counted
// back from the subject's logs to prove none was lost or doubled. hearth is read only
// through its public CLI and control API, so the bench does not care how the journal
// stores lines. The peers: supervisord's and PM2's own log files, no rotation.
import { spawn } from 'node:child_process';
import { closeSync, createReadStream, existsSync, fstatSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { HEARTH, LOG_SECONDS, SCRATCH, have, sleep, waitFor, wanted } from '../lib/env.mjs';
import { startHearth, startPm2Apps, startSupervisord } from '../lib/peers.mjs';
import { cpuTicksWithReaped, descendants } from '../lib/procfs.mjs';
import { note, record, unavailable } from '../lib/stats.mjs';

const WRITERS = 10;
const TAGS = Array.from({ length: WRITERS }, (_, i) => `w${i}`);
/** hearth names its services s0, s1, … (bench/lib/peers.mjs); writer w3 is service s3. */
const serviceOf = (tag) => `s${tag.slice(1)}`;
const LINE = /\b(w\d+) (\d+) x/;
const DRAIN_MS = 300000;
const STALL_MS = 5000;

/** Counts seq numbers per tag; lost/doubled/foreign against what each writer says it wrote. */
class Tally {
  constructor(expected) {
    this.seen = Object.fromEntries(TAGS.map((t) => [t, new Uint8Array(expected[t])]));
    this.expected = expected;
    this.doubled = 0;
    this.foreign = 0;
    this.total = 0;
  }

  add(line) {
    const m = LINE.exec(line);
    if (!m || !this.seen[m[1]]) return;
    this.total++;
    const seq = Number(m[2]);
    const bits = this.seen[m[1]];
    if (seq >= bits.length) this.foreign++;
    else if (bits[seq]++) this.doubled++;
  }

  lost() {
    let lost = 0;
    for (const t of TAGS) for (const b of this.seen[t]) if (b === 0) lost++;
    return lost;
  }
}

function readCounts(dir) {
  const counts = {};
  let start = Infinity;
  let end = 0;
  for (const t of TAGS) {
    const [n, s, e] = readFileSync(join(dir, `${t}.count`), 'utf8').trim().split(' ').map(Number);
    counts[t] = n;
    start = Math.min(start, s);
    end = Math.max(end, e);
  }
  return { counts, start, end, total: Object.values(counts).reduce((a, b) => a + b, 0) };
}

const allCounted = (dir) => TAGS.every((t) => existsSync(join(dir, `${t}.count`)));

/** The highest line number among these texts, -1 for none. */
function lastOf(texts) {
  return Math.max(-1, ...texts.map((t) => Number(LINE.exec(t)?.[2] ?? -1)));
}

function lastLineOf(file) {
  if (!existsSync(file)) return '';
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(Math.min(size, 512));
    readSync(fd, buf, 0, buf.length, size - buf.length);
    return buf.toString('latin1').trimEnd().split('\n').pop();
  } finally {
    closeSync(fd);
  }
}

function apiGet(socket, path) {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body)) : reject(new Error(`${path}: ${res.statusCode} ${body}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The CPU (user+system, reaped children included) of a manager and its helpers, writers excluded. */
function managerTicks(pid, isWriter) {
  let ticks = cpuTicksWithReaped(pid);
  for (const d of descendants(pid)) if (!isWriter(d)) ticks += cpuTicksWithReaped(d) || 0;
  return ticks;
}

function isWriterIn(dir) {
  return (pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes(`${dir}/`);
    } catch {
      return false;
    }
  };
}

/**
 * Opens the gate, waits for the writers, then for the last line of each in the
 * subject's logs (`lastSeq(tag)` is the highest line number seen there). A subject that
 * stops making progress for STALL_MS is done too: its missing lines are then lost,
 * and the count-back says how many. The rate is the lines found over the time from the
 * first writer's start to the last progress seen.
 */
async function ingest(label, subject, sub, dir, lastSeq) {
  const isWriter = isWriterIn(dir);
  const ticks0 = managerTicks(sub.pid, isWriter);
  const t0 = Date.now();
  writeFileSync(join(dir, 'gate'), '');
  await waitFor(() => allCounted(dir), LOG_SECONDS * 1000 + 60000, `${subject}'s log writers`, 100);
  const { counts, start, total } = readCounts(dir);
  let seen = TAGS.map(() => -1);
  let progressAt = Date.now();
  const deadline = Date.now() + DRAIN_MS;
  for (;;) {
    const now = await Promise.all(TAGS.map((t) => lastSeq(t)));
    if (now.some((v, i) => v !== seen[i])) progressAt = Date.now();
    seen = now;
    if (TAGS.every((t, i) => seen[i] === counts[t] - 1) || Date.now() - progressAt > STALL_MS || Date.now() > deadline) break;
    await sleep(250);
  }
  const incomplete = TAGS.filter((t, i) => seen[i] !== counts[t] - 1).map((t, i) => `${t} (last line ${counts[t] - 1}, last seen ${seen[TAGS.indexOf(t)]})`);
  if (incomplete.length) note(label, `${subject}: stopped waiting, no progress for ${STALL_MS / 1000} s: ${incomplete.join(', ')}`);
  const cpu = (managerTicks(sub.pid, isWriter) - ticks0) / 100 / ((progressAt - t0) / 1000);
  return { counts, total, seconds: (progressAt - start) / 1000, cpu };
}

function report(label, subject, m, tally, extra = {}) {
  const bad = tally.lost() + tally.doubled + tally.foreign;
  const found = tally.total - tally.doubled - tally.foreign;
  record(label, subject, 'lines captured', 'lines/s', [found / m.seconds], 'higher', { writers: WRITERS, writerSeconds: LOG_SECONDS, ...extra });
  record(label, subject, 'manager CPU while ingesting', '% of a core', [m.cpu * 100], 'lower');
  record(label, subject, 'lines lost or doubled', 'lines', [bad], 'lower');
  note(label, `${subject}: ${m.total} lines written, ${tally.total} found in its logs: ${tally.lost()} lost, ${tally.doubled} doubled, ${tally.foreign} never written`);
}

function writersDir(subject) {
  return mkdtempSync(join(SCRATCH, `bench-writers-${subject.replace(/\W+/g, '')}-`));
}

function writerArgv(tools, dir, tag) {
  return [tools.logwriter, tag, String(LOG_SECONDS), join(dir, `${tag}.count`), join(dir, 'gate')];
}

async function countFile(file, tally) {
  if (!existsSync(file)) return;
  const rl = createInterface({ input: createReadStream(file, 'latin1'), crlfDelay: Infinity });
  for await (const line of rl) tally.add(line);
}

/** `hearth ARGV…` with each output line to `onLine`. */
function hearthLines(argv, onLine) {
  const child = spawn(HEARTH, argv, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=4096' } });
  createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', onLine);
  const exited = new Promise((r) => (child.on('exit', r), child.on('error', r)));
  let cpu0 = 0;
  return { child, exited, mark: () => (cpu0 = cpuTicksWithReaped(child.pid)), cpu: () => cpuTicksWithReaped(child.pid) - cpu0 };
}

async function hearthIngest(label, tools, follow) {
  const subject = follow ? 'hearth, with logs -f following' : 'hearth';
  const dir = writersDir(subject);
  const h = await startHearth(WRITERS, {
    settings: '[logs]\nmax_size = "16G"\nkeep = 2\n',
    services: (i) => `exec = ${JSON.stringify(writerArgv(tools, dir, TAGS[i]))}\nrestart = "never"\n`,
    ready: (d) => waitFor(() => existsSync(join(d, 'r', 'hearth.sock')), 60000, 'the control socket'),
  });
  let follower = null;
  let followed = 0;
  try {
    if (follow) {
      follower = hearthLines(['--socket', h.socket, 'logs', '-f', '-n', '0', '--raw'], (l) => LINE.test(l) && followed++);
      await sleep(1000);
      follower.mark();
    }
    // The last few records: hearthd's own note that the service exited may follow its last line.
    const lastSeq = async (tag) => lastOf((await apiGet(h.socket, `/v1/logs?name=${serviceOf(tag)}&lines=5`)).map((r) => r.text));
    const m = await ingest(label, subject, h, dir, lastSeq);
    const extra = {};
    if (follower) {
      await sleep(1000);
      extra.clientCpu = follower.cpu() / 100 / (LOG_SECONDS + 1);
      follower.child.kill('SIGINT');
      note(label, `${subject}: the follower printed ${followed} of the ${m.total} lines (1 s after the last was captured)`);
    }
    await h.stop();
    // Counted back with hearthd stopped, through the public offline reader, one service
    // at a time (the reader holds what it prints in memory). A reader that fails is an
    // error, never a count of lost lines.
    const tally = new Tally(m.counts);
    for (const tag of TAGS) {
      const reader = hearthLines(['logs', '--dir', h.logDir, serviceOf(tag), '--since', '@0', '--raw'], (l) => tally.add(l));
      const code = await reader.exited;
      if (code !== 0) throw new Error(`hearth logs --dir for ${serviceOf(tag)} exited ${code}`);
    }
    report(label, subject, m, tally, extra);
  } finally {
    follower?.child.kill('SIGKILL');
    await h.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function supervisordIngest(label, tools) {
  const dir = writersDir('supervisord');
  const logOf = (sdir, tag) => join(sdir, `${tag}.log`);
  const s = await startSupervisord(WRITERS, {
    program: (i, sdir) =>
      `[program:${TAGS[i]}]\ncommand=${writerArgv(tools, dir, TAGS[i]).join(' ')}\nautorestart=false\nstartsecs=0\nstdout_logfile=${logOf(sdir, TAGS[i])}\nstdout_logfile_maxbytes=0\nstderr_logfile=NONE\n`,
    ready: (sdir) => waitFor(() => existsSync(join(sdir, 'sock')), 60000, 'supervisord to listen'),
  });
  try {
    const m = await ingest(label, 'supervisord', s, dir, async (tag) => lastOf([lastLineOf(logOf(s.dir, tag))]));
    await s.stop();
    const tally = new Tally(m.counts);
    for (const t of TAGS) await countFile(logOf(s.dir, t), tally);
    report(label, 'supervisord', m, tally);
  } finally {
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function pm2Ingest(label, tools) {
  const dir = writersDir('pm2');
  const logOf = (tag) => join(dir, `${tag}.out`);
  const apps = TAGS.map((tag) => {
    const [script, ...args] = writerArgv(tools, dir, tag);
    return { name: tag, script, args, interpreter: 'none', autorestart: false, out_file: logOf(tag), error_file: join(dir, `${tag}.err`) };
  });
  const p = await startPm2Apps(tools.pm2, apps);
  try {
    const m = await ingest(label, 'PM2', p, dir, async (tag) => lastOf([lastLineOf(logOf(tag))]));
    await p.stop();
    const tally = new Tally(m.counts);
    for (const t of TAGS) await countFile(logOf(t), tally);
    report(label, 'PM2', m, tally);
  } finally {
    await p.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function logIngestWorkload(tools) {
  if (!wanted('logs')) return;
  const label = `log ingestion, ${WRITERS} services writing 100-byte lines flat out for ${LOG_SECONDS} s`;
  const step = async (name, f) => f().catch((e) => unavailable(label, name, e.message));
  await step('hearth', () => hearthIngest(label, tools, false));
  await step('hearth, with logs -f following', () => hearthIngest(label, tools, true));
  if (have('supervisord')) await step('supervisord', () => supervisordIngest(label, tools));
  else unavailable(label, 'supervisord', 'not installed');
  if (tools.pm2) await step('PM2', () => pm2Ingest(label, tools));
  else unavailable(label, 'PM2', 'pm2 could not be installed');
}
