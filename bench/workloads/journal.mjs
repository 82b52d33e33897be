// Reading a big journal: filtering it for one service, and its last lines.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { QUICK, ROOT, ROUNDS, SCRATCH, log, wanted } from '../lib/env.mjs';
import { record } from '../lib/stats.mjs';

export async function journalWorkload() {
  if (!wanted('journal')) return;
  const { Journal } = await import(join(ROOT, 'dist', 'journal', 'index.js'));
  const total = QUICK ? 100e6 : 1e9;
  const services = 5;
  const dir = mkdtempSync(join(SCRATCH, 'bench-journal-'));
  try {
    // Big files, no rotation: the worst case for a reader.
    const journal = new Journal({ dir, rotation: { maxBytes: 4 * total, keep: 1 } });
    const line = 'GET /index.html 200 0.002s user-agent=bench-client/1.0 '.padEnd(110, 'x');
    const chunk = Buffer.from(`${line}\n`.repeat(2000));
    let written = 0;
    log(`writing ${total / 1e6} MB of logs over ${services} services`);
    for (let i = 0; written < total; i++) {
      journal.writer(`svc${i % services}`).write('out', chunk);
      if (i % 50 === 0) journal.writer('svc2').write('out', Buffer.from(`needle ${i}\n`));
      written += chunk.length;
      if (i % 100 === 99) journal.flush();
    }
    journal.flush();
    const label = `journal: filter ${total / 1e9} GB for one service`;
    const grep = [];
    const tail = [];
    for (let r = 0; r < ROUNDS; r++) {
      let t0 = performance.now();
      const hits = await journal.query({ names: ['svc2'], grep: 'needle' });
      grep.push(performance.now() - t0);
      if (hits.length === 0) throw new Error('journal bench: no needle found');
      t0 = performance.now();
      await journal.query({ names: ['svc2'], lines: 20 });
      tail.push(performance.now() - t0);
    }
    record(label, 'hearth', 'grep one service', 'ms', grep, 'lower');
    record(label, 'hearth', 'last 20 lines', 'ms', tail, 'lower');
    journal.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
