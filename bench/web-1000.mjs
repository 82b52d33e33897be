#!/usr/bin/env node
// The web GUI with 1000 services, in Debian's chromium: how long until every
// row is on screen, and how long a keystroke in the search box takes to
// narrow the list. Target: full render under 1 s; filtering without lag.
//
//   node bench/web-1000.mjs [--rounds N]
//
// The GUI is served in-process over a fake daemon API (the same server code
// hearthd runs), on 127.0.0.1 port 0. Results: stdout, and the "web" section
// of bench/results/web-1000.json.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { createServer } from 'node:http';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const ROUNDS = Number(args[args.indexOf('--rounds') + 1] ?? 5) || 5;
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
if (!CHROMIUM) {
  console.error('web-1000: chromium is not installed (apt-get install chromium)');
  process.exit(2);
}
if (!existsSync(join(ROOT, 'dist', 'gui', 'index.html'))) {
  console.error('web-1000: the GUI is not built (npm run build)');
  process.exit(2);
}

const { FakeDaemonApi, fakeService } = await import(join(ROOT, 'dist', 'control', 'index.js'));
const { createWebApp, loadGuiAssets, guiDir } = await import(join(ROOT, 'dist', 'web', 'index.js'));
const { chromium } = await import('playwright-core');

const KINDS = ['service', 'sysv', 'inetd'];
const STATES = ['running', 'running', 'running', 'stopped', 'failed'];
const services = Array.from({ length: 1000 }, (_, i) => {
  const kind = KINDS[i % 3];
  return fakeService(`svc-${String(i).padStart(4, '0')}`, {
    kind,
    state: STATES[i % STATES.length],
    pid: 1000 + i,
    restarts: i % 7,
    description: `Benchmark service number ${i}`,
    enabled: i % 2 === 0,
    ...(kind === 'inetd' ? {} : { levels: [false, false, true, true, true, i % 2 === 0, false] }),
  });
});
const api = new FakeDaemonApi(services);
const token = 'bench-token';
const app = createWebApp({ api, token, assets: loadGuiAssets(guiDir()), secure: false, log: () => undefined });
const server = createServer(app.listener);
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/`;

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const render = [];
const filter = [];
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${url}?token=${token}`); // logs the context in once
  for (let r = 0; r < ROUNDS; r++) {
    // From navigation start to the 1000th row in the DOM, measured by the page's own clock.
    await page.goto(url);
    await page.waitForFunction(() => document.querySelectorAll('tr[data-service]').length === 1000, null, { timeout: 10_000 });
    // Forcing a layout first: "rendered" means laid out, not just in the DOM.
    render.push(await page.evaluate(() => (document.body.getBoundingClientRect(), performance.now())));
    // One keystroke that narrows 1000 rows to 10, until the DOM shows it.
    const ms = await page.evaluate(async () => {
      const box = document.querySelector('input[type=search]');
      const t0 = performance.now();
      box.value = 'svc-012';
      box.dispatchEvent(new Event('input', { bubbles: true }));
      while (document.querySelectorAll('tr[data-service]').length !== 10) await new Promise((res) => requestAnimationFrame(res));
      const t1 = performance.now();
      box.value = '';
      box.dispatchEvent(new Event('input', { bubbles: true }));
      return t1 - t0;
    });
    filter.push(ms);
  }
} finally {
  await browser.close();
  server.close();
}

const result = {
  date: new Date().toISOString(),
  rounds: ROUNDS,
  renderMs: { median: median(render), values: render },
  filterMs: { median: median(filter), values: filter },
  target: { renderMs: 1000 },
};
console.log(`web GUI, 1000 services, chromium: full render ${result.renderMs.median.toFixed(0)} ms (median of ${ROUNDS}), filter keystroke ${result.filterMs.median.toFixed(1)} ms`);
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(join(ROOT, 'bench', 'results', 'web-1000.json'), `${JSON.stringify(result, null, 2)}\n`);
