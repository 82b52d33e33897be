// The report: a table on stdout, the JSON record, and the generated section of
// docs/performance.md, which is the only place figures are written. A --quick run
// is a smoke test: its results go to bench/.cache/quick.json and the docs are left alone.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE, LOG_SECONDS, ONLY, QUICK, ROOT, ROUNDS, SCALE, SECONDS } from './env.mjs';
import { results } from './stats.mjs';
import { checkTargets } from './targets.mjs';

const LATEST = join(ROOT, 'bench', 'results', 'latest.json');
// Rows of comparisons the bench no longer makes; an --only run must not carry them over.
const RETIRED = new Set(['pool']);

/** With --only, the other workloads keep their last full-run results (each row keeps its own date and load). */
function withEarlierResults() {
  if (ONLY.length === 0 || QUICK || !existsSync(LATEST)) return results;
  const fresh = new Set(results.map((r) => r.workload));
  const earlier = (JSON.parse(readFileSync(LATEST, 'utf8')).results ?? []).filter((r) => !fresh.has(r.workload) && !RETIRED.has(r.workload));
  return [...earlier, ...results];
}

const fmt = (x) => (Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toFixed(3)) : '–');
const pct = (x) => (Number.isFinite(x) ? `${(x * 100).toFixed(0)}%` : '–');
const when = (r) => (r?.date ? r.date.slice(0, 16).replace('T', ' ') : '–');

function comparisonRows(all) {
  const rows = [];
  const byWorkload = new Map();
  for (const r of all) if (r.workload && (r.subject || r.unavailable)) byWorkload.set(r.workload, [...(byWorkload.get(r.workload) ?? []), r]);
  for (const [workload, rs] of byWorkload) {
    const measured = rs.filter((r) => !r.unavailable);
    const hearths = measured.filter((r) => r.subject.startsWith('hearth'));
    for (const h of hearths) {
      const peers = h.subject === 'hearth' ? measured.filter((r) => !r.subject.startsWith('hearth') && r.metric === h.metric) : [];
      if (peers.length === 0) rows.push({ workload, h, p: null });
      for (const p of peers) rows.push({ workload, h, p });
    }
    for (const p of measured.filter((r) => !r.subject.startsWith('hearth') && !hearths.some((h) => h.metric === r.metric))) rows.push({ workload, h: null, p });
    for (const u of rs.filter((r) => r.unavailable)) rows.push({ workload, unavailable: `${u.subject}: not measured (${u.unavailable})` });
  }
  return rows;
}

function resultsTable(all) {
  const lines = [
    '| workload | metric | hearth | peer | peer value | hearth ÷ peer | rounds | spread (hearth / peer) | load client CPU | machine load | measured (UTC) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const { workload, h, p, unavailable } of comparisonRows(all)) {
    if (unavailable) {
      lines.push(`| ${workload} | | | ${unavailable} | | | | | | | |`);
      continue;
    }
    const any = h ?? p;
    const subject = h && h.subject !== 'hearth' ? ` (${h.subject.slice('hearth, '.length)})` : '';
    const cpu = [h?.clientCpu, p?.clientCpu].filter((x) => x !== undefined).map(pct).join(' / ') || '–';
    lines.push(
      `| ${workload}${subject} | ${any.metric} (${any.unit}) | ${fmt(h?.median)} | ${p?.subject ?? '–'} | ${fmt(p?.median)} | ${h && p ? fmt(h.median / p.median) : '–'} | ${any.rounds ?? any.values?.length ?? '–'} | ${pct(h?.spread)} / ${pct(p?.spread)} | ${cpu} | ${any.load ?? '–'} | ${when(any)} |`,
    );
  }
  return lines.join('\n');
}

function targetTable(all) {
  const lines = ['| target | hearth ÷ peer | worst round pair | bound | met? | margin | holds in every round |', '| --- | --- | --- | --- | --- | --- | --- |'];
  for (const t of checkTargets(all)) {
    lines.push(`| ${t.text} | ${fmt(t.value)} | ${fmt(t.worst)} | ${t.bound ?? '–'} | **${t.verdict}** | ${t.margin ?? '–'} | ${t.everyRound ?? '–'} |`);
  }
  return lines.join('\n');
}

export function report(info, { quiet = false } = {}) {
  const all = withEarlierResults();
  const loads = all.map((r) => r.load).filter(Number.isFinite);
  const header =
    `Machine: ${info.cores} cores (${info.cpu}), ${info.memoryGiB} GiB, Linux ${info.kernel}, Node ${info.node}. ` +
    `${info.cgroupMoveMs == null ? '' : `One isolated move into a cgroup (services' main processes are created inside their cgroup v2 and move only into the v1 hierarchies of a hybrid host; a unit's other processes move): ${info.cgroupMoveMs.toFixed(2)} ms (see docs/services.md on favordynmods). `}` +
    `This run: ${info.started} to ${new Date().toISOString()}${QUICK ? ' (--quick)' : ''}${ONLY.length ? `, only ${ONLY.join(', ')} (other rows from the earlier full run named in their last column)` : ''}; ` +
    `${ROUNDS} interleaved rounds of ${SECONDS} s where rounds apply, log writers ${LOG_SECONDS} s, big fleet ${SCALE}. ` +
    `The 1-minute load average while rows were measured ranged ${fmt(Math.min(...loads))}–${fmt(Math.max(...loads))} on ${info.cores} cores (other work shared the machine when it is above about 1).`;
  const notes = all.filter((r) => r.note).map((r) => `- ${r.workload}: ${r.note}`);
  const body = `${header}\n\n### Targets\n\n${targetTable(all)}\n\n### All rows\n\n${resultsTable(all)}\n\n### Notes from the run\n\n${notes.join('\n')}\n`;
  if (!quiet) process.stdout.write(`\n${body}\n`);
  const json = `${JSON.stringify({ machine: info, quick: QUICK, only: ONLY, rounds: ROUNDS, targets: checkTargets(all), results: all }, null, 2)}\n`;
  if (QUICK) {
    mkdirSync(CACHE, { recursive: true });
    writeFileSync(join(CACHE, 'quick.json'), json);
    return;
  }
  writeFileSync(LATEST, json);
  const doc = join(ROOT, 'docs', 'performance.md');
  const generated = `<!-- generated by npm run bench -->\n${body}<!-- end generated -->`;
  const old = existsSync(doc) ? readFileSync(doc, 'utf8') : '';
  const updated = old.includes('<!-- generated by npm run bench -->') ? old.replace(/<!-- generated by npm run bench -->[\s\S]*<!-- end generated -->/, generated) : `${old}\n${generated}\n`;
  writeFileSync(doc, updated);
}
