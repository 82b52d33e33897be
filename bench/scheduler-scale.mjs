#!/usr/bin/env node
// The runlevel scheduler alone, with no processes: `node bench/scheduler-scale.mjs`
// runs plans of 1,000 to 20,000 independent units whose actions resolve on the next
// turn of the event loop, and prints how long each plan took. The cost should grow
// with the plan, not with its square (it did: seconds at 10,000 units). Needs a build.
import { runPlan } from '../dist/runlevels/scheduler.js';

for (const n of [1000, 5000, 10000, 20000]) {
  const order = Array.from({ length: n }, (_, i) => `s${i}`);
  const t0 = performance.now();
  await runPlan({ kind: 'start', order, waves: [order], deps: {}, cycles: [] }, () => new Promise((r) => setImmediate(r)));
  console.log(`${String(n).padStart(6)} units: ${(performance.now() - t0).toFixed(0)} ms`);
}
