import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { readJsonState } from '../state/index.js';
import { join } from 'node:path';
import { HearthError } from '../errors/index.js';
import type { HearthEvent } from '../model/index.js';
import type { Journal } from '../journal/index.js';
/** One job queued with `hearth at` or `hearth batch` (the control API speaks this shape). */
export interface AtJob {
  id: number;
  /** When it runs (epoch ms); for batch, when it was queued. */
  at: number;
  batch: boolean;
  command: string;
  cwd: string;
  queuedAt: number;
}

export interface AtQueueOptions {
  stateDir: string;
  journal: Journal;
  emit(e: HearthEvent): void;
  /** batch runs when the 1-minute load average is below this (atd's default 1.5). */
  batchLoad?: number;
  /** How often a waiting batch job looks at the load. */
  batchCheckMs?: number;
}

/**
 * atd inside hearthd: jobs run once at their time (batch: when the load is
 * low), through /bin/sh as hearthd's user, with output in the journal under
 * "at-ID". The queue survives restarts (STATE_DIR/at.json, written atomically);
 * a job whose time passed while hearthd was down runs at the next start.
 */
export class AtQueue {
  private jobs: AtJob[] = [];
  private nextId = 1;
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private readonly file: string;

  constructor(private readonly options: AtQueueOptions) {
    this.file = join(options.stateDir, 'at.json');
    let recovered: string | undefined;
    const saved = readJsonState<{ nextId: number; jobs: AtJob[] }>(
      this.file,
      (c) => queueMicrotask(() => options.emit({ type: 'state.corrupt', at: c.at, file: c.file, keptAs: c.keptAs, reason: c.reason, recovered: recovered ?? 'the at queue starts empty' })),
      (text) => {
        const jobs = salvageJobs(text);
        recovered = `${jobs.length} job(s) recovered from it`;
        return { nextId: Math.max(0, ...jobs.map((j) => j.id)) + 1, jobs };
      },
    );
    if (saved && Array.isArray(saved.jobs)) {
      this.jobs = saved.jobs.filter(isJob);
      this.nextId = Number.isInteger(saved.nextId) ? saved.nextId : Math.max(0, ...this.jobs.map((j) => j.id)) + 1;
    }
  }

  start(): void {
    for (const job of this.jobs) this.arm(job);
  }

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  add(spec: { at: number | 'batch'; command: string; cwd?: string }): AtJob {
    if (!spec.command.trim()) throw new HearthError('ERR_BAD_REQUEST', 'the job has no command');
    if (spec.command.length > 64 * 1024) throw new HearthError('ERR_BAD_REQUEST', 'the command is longer than 64 KiB');
    const now = Date.now();
    const job: AtJob = { id: this.nextId++, at: spec.at === 'batch' ? now : spec.at, batch: spec.at === 'batch', command: spec.command, cwd: spec.cwd ?? '/', queuedAt: now };
    this.jobs.push(job);
    this.save();
    this.arm(job);
    return job;
  }

  list(): AtJob[] {
    return [...this.jobs].sort((a, b) => a.at - b.at || a.id - b.id);
  }

  /** Removes queued jobs; returns the ids that were not in the queue. */
  remove(ids: number[]): number[] {
    const missing: number[] = [];
    for (const id of ids) {
      const i = this.jobs.findIndex((j) => j.id === id);
      if (i < 0) {
        missing.push(id);
        continue;
      }
      this.jobs.splice(i, 1);
      clearTimeout(this.timers.get(id));
      this.timers.delete(id);
    }
    this.save();
    return missing;
  }

  private arm(job: AtJob): void {
    const wait = Math.max(0, Math.min(job.at - Date.now(), 2 ** 31 - 1));
    const t = setTimeout(() => {
      if (job.at > Date.now() + 1000) return this.arm(job);
      if (job.batch && loadavg()[0]! >= (this.options.batchLoad ?? 1.5)) {
        job.at = Date.now() + (this.options.batchCheckMs ?? 30_000);
        return this.arm(job);
      }
      this.run(job);
    }, wait);
    t.unref();
    this.timers.set(job.id, t);
  }

  private run(job: AtJob): void {
    this.timers.delete(job.id);
    this.jobs = this.jobs.filter((j) => j.id !== job.id);
    this.save();
    const name = `at-${job.id}`;
    const started = Date.now();
    const writer = this.options.journal.writer(name);
    const child = spawn('/bin/sh', ['-c', job.command], { cwd: job.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (c: Buffer) => writer.write('out', c));
    child.stderr?.on('data', (c: Buffer) => writer.write('err', c));
    child.on('error', (e) => this.options.emit({ type: 'at.job', at: Date.now(), id: job.id, change: 'failed', reason: e.message }));
    this.options.emit({ type: 'at.job', at: Date.now(), id: job.id, change: 'started', command: job.command });
    child.once('close', (code, signal) => {
      writer.end();
      this.options.emit({ type: 'at.job', at: Date.now(), id: job.id, change: 'finished', code, signal, durationMs: Date.now() - started });
    });
  }

  private save(): void {
    try {
      mkdirSync(this.options.stateDir, { recursive: true });
      writeFileSync(`${this.file}.tmp`, JSON.stringify({ nextId: this.nextId, jobs: this.jobs }));
      renameSync(`${this.file}.tmp`, this.file);
    } catch (e) {
      this.log('error', `cannot save the at queue in "${this.file}": ${(e as Error).message}`);
    }
  }

  private log(level: 'info' | 'warn' | 'error', message: string): void {
    this.options.emit({ type: 'daemon.log', at: Date.now(), level, message });
  }
}

function isJob(j: unknown): j is AtJob {
  const o = j as Partial<AtJob> | undefined;
  return !!o && Number.isInteger(o.id) && typeof o.at === 'number' && typeof o.command === 'string' && typeof o.cwd === 'string';
}

/** Whole job objects still readable in a damaged queue file (a torn write keeps the ones before the tear). */
function salvageJobs(text: string): AtJob[] {
  const jobs: AtJob[] = [];
  for (const m of text.matchAll(/\{"id":\d+[^{}]*\}/g)) {
    try {
      const j = JSON.parse(m[0]) as unknown;
      if (isJob(j)) jobs.push(j);
    } catch {
      // a piece that is not a whole object: lost
    }
  }
  return jobs;
}
