// Loaded into hearthd with `node --import` by the memory benchmark only (never in
// normal use): on SIGUSR2 it writes where the process's memory is, as JSON, to the
// file named by $HEARTH_BENCH_PROBE. No inspector, no heap snapshot: the figures are
// the ones V8 and libuv keep anyway.
import { writeFileSync, renameSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';

const target = process.env.HEARTH_BENCH_PROBE;
delete process.env.HEARTH_BENCH_PROBE;
delete process.env.NODE_OPTIONS; // services started by hearthd must not load the probe
if (target) {
  process.on('SIGUSR2', () => {
    globalThis.gc?.(); // --expose-gc comes with the probe: live objects, not garbage awaiting collection
    const handles = {};
    for (const type of process.getActiveResourcesInfo()) handles[type] = (handles[type] ?? 0) + 1;
    const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, s.space_used_size]));
    writeFileSync(`${target}.tmp`, JSON.stringify({ memory: process.memoryUsage(), spaces, handles }));
    renameSync(`${target}.tmp`, target);
  });
}
