import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, type RunningDaemon } from './helpers/daemon.js';
import { eventually, freePortBase } from './helpers/index.js';

/**
 * The web GUI in a real browser: Debian's chromium driven by playwright-core.
 * What it does; how it looks at phone and desktop sizes (and the screenshots)
 * is web-layout-e2e.test.ts.
 */

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

type Browser = import('playwright-core').Browser;
type Page = import('playwright-core').Page;

describe('web GUI in chromium', { skip: CHROMIUM ? false : 'chromium is not installed (apt-get install chromium)' }, () => {
  let d: RunningDaemon;
  let browser: Browser;
  let page: Page;
  let url = '';

  before(async () => {
    const offset = await freePortBase([7]);
    d = await startDaemon(
      {
        'services/web.toml': 'description = "demo web server"\nexec = ["/bin/sh", "-c", "echo serving; exec sleep 1000"]\nrunlevels = [2, 3, 4, 5]\n',
        'services/worker.toml': 'description = "background worker"\nexec = ["/bin/sleep", "1000"]\nrunlevels = [3, 5]\n',
        // Says one thing on stdout, one on stderr, then crashes: a crash loop with a reason.
        'services/crashy.toml':
          'description = "crashes at once"\nexec = ["/bin/sh", "-c", "echo starting up; echo cannot open /nonexistent/db >&2; exit 3"]\nrestart = "always"\nrestart_delay = "2s"\nrestart_delay_max = "4s"\n',
        'hearth.toml': `[inetd]\nport_offset = ${offset}\n`,
        'xinetd.d/echo': 'service echo\n{\n\ttype = INTERNAL\n\tid = echo-stream\n\tsocket_type = stream\n\tprotocol = tcp\n\twait = no\n\tdisable = yes\n}\n',
      },
      ['--web-listen', '127.0.0.1:0'],
    );
    const runtime = join(d.root, 'run');
    const address = await eventually(() => (existsSync(join(runtime, 'web-address')) ? readFileSync(join(runtime, 'web-address'), 'utf8').trim() : undefined), 10_000, 'the web GUI address');
    const token = readFileSync(join(runtime, 'web-token'), 'utf8').trim();
    url = address;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${url}?token=${token}`);
  });
  after(async () => {
    await browser?.close();
    await d?.stop();
  });

  const row = (name: string) => page.locator(`tr[data-service="${name}"]`);
  const stateOf = (name: string) => row(name).locator('[data-state]').getAttribute('data-state');

  test('logging in with the token link shows every service with its state', async () => {
    assert.equal(new URL(page.url()).search, '', 'the token is gone from the address bar');
    await row('web').waitFor();
    assert.equal(await stateOf('web'), 'running');
    assert.equal(await stateOf('worker'), 'running');
    assert.ok(await row('echo-stream').count(), 'xinetd services are listed too');
    assert.match((await row('web').textContent()) ?? '', /demo web server/);
  });

  test('stop and start from the page, and the state follows live', async () => {
    await page.getByRole('button', { name: 'stop web', exact: true }).click();
    await eventually(async () => (await stateOf('web')) === 'stopped', 10_000, 'web shown stopped');
    assert.match(d.cli('status', 'web').stdout, /stopped/);
    await page.getByRole('button', { name: 'start web', exact: true }).click();
    await eventually(async () => (await stateOf('web')) === 'running', 10_000, 'web shown running');
  });

  test('a change made with the CLI appears without reloading the page', async () => {
    assert.equal(d.cli('stop', 'worker').code, 0);
    await eventually(async () => (await stateOf('worker')) === 'stopped', 10_000, 'worker shown stopped');
    assert.equal(d.cli('start', 'worker').code, 0);
    await eventually(async () => (await stateOf('worker')) === 'running', 10_000, 'worker shown running');
  });

  test('enable changes are staged, then saved; chkconfig sees them', async () => {
    await page.getByRole('checkbox', { name: 'worker in runlevel 4' }).check();
    await page.getByRole('checkbox', { name: 'web in runlevel 2' }).uncheck();
    await page.getByRole('region', { name: 'Pending changes' }).waitFor();
    assert.match(d.cli('chkconfig', '--list', 'worker').stdout, /4:off/, 'nothing changes before Save');
    await page.getByRole('button', { name: 'Save' }).click();
    await eventually(() => /4:on/.test(d.cli('chkconfig', '--list', 'worker').stdout), 10_000, 'worker on in 4');
    assert.match(d.cli('chkconfig', '--list', 'web').stdout, /2:off\t3:on/);
  });

  test('an xinetd service is switched on as a whole on Save', async () => {
    await page.getByRole('checkbox', { name: 'echo-stream on' }).check();
    await page.getByRole('button', { name: 'Save' }).click();
    await eventually(() => /disable\s*=\s*no/.test(readFileSync(join(d.configDir, 'xinetd.d/echo'), 'utf8')), 10_000, 'echo enabled in its file');
    await eventually(async () => (await stateOf('echo-stream')) === 'running', 10_000, 'echo shown listening');
  });

  test('the detail panel shows the log, newest at the bottom, following it live', async () => {
    await page.getByRole('button', { name: 'web', exact: true }).click();
    const log = page.locator('[data-log="web"]');
    await eventually(async () => /serving/.test((await log.textContent()) ?? ''), 10_000, 'the log line');
    assert.equal(d.cli('restart', 'web').code, 0);
    await eventually(async () => ((await log.textContent()) ?? '').split('serving').length > 2, 10_000, 'the new line after a restart');
    assert.match((await log.locator('.line').last().textContent()) ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} serving$/, 'the newest line is the last, in hearth\'s time format');
    const panel = page.getByRole('dialog', { name: 'Service web' });
    await eventually(async () => /sleep 1000/.test((await panel.locator('ul.procs').textContent()) ?? ''), 10_000, 'its process in the panel');
    assert.match((await panel.locator('dl.settings').textContent()) ?? '', /exec.*\/bin\/sh/);
    await page.keyboard.press('Escape');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'web', 'closing gives the focus back to the name');
  });

  test('stderr lines are marked [err] as the CLI marks them, coloured as errors and found by the priority filter', async () => {
    await page.getByRole('button', { name: 'crashy', exact: true }).click();
    const log = page.locator('[data-log="crashy"]');
    await eventually(async () => /cannot open/.test((await log.textContent()) ?? ''), 10_000, 'the stderr line');
    const err = log.locator('.line', { hasText: 'cannot open' }).first();
    assert.match((await err.textContent()) ?? '', / \[err\]: cannot open \/nonexistent\/db$/);
    assert.equal(await err.getAttribute('data-priority'), 'err');
    const red = await err.evaluate((el) => getComputedStyle(el).color);
    const plain = await log.locator('.line', { hasText: 'starting up' }).first().evaluate((el) => getComputedStyle(el).color);
    assert.notEqual(red, plain, 'stderr is coloured');
    const cli = d.cli('logs', 'crashy', '-n', '50').stdout;
    assert.match(cli, / \[err\]: cannot open \/nonexistent\/db/, 'the same mark in hearth logs');
    await page.getByLabel('Log priority').selectOption('3');
    await eventually(async () => (await log.locator('.line', { hasText: 'starting up' }).count()) === 0, 5000, 'info lines hidden');
    assert.ok((await log.locator('.line', { hasText: 'cannot open' }).count()) > 0);
    await page.getByLabel('Log priority').selectOption('7');
    await page.getByLabel('Filter log lines').fill('starting');
    await eventually(async () => (await log.locator('.line', { hasText: 'cannot open' }).count()) === 0, 5000, 'the text filter');
    await page.keyboard.press('Escape');
  });

  test('a crash-looping service counts in the failed badge and says why in the list', async () => {
    await eventually(async () => /\d+ failed/.test((await page.locator('.counts').textContent()) ?? ''), 15_000, 'the badge');
    const why = await eventually(async () => (await row('crashy').locator('.why').textContent()) || undefined, 15_000, 'the reason in the row');
    assert.match(why, /exit|crash|restart/);
    await page.locator('.counts button.badge').click();
    await eventually(async () => (await page.locator('tr[data-service]').count()) === 1, 5000, 'only the troubled service listed');
    await page.locator('.counts button.badge').click();
  });

  test('memory is "–" for a service without a process, a right-aligned number otherwise', async () => {
    assert.equal(d.cli('stop', 'worker').code, 0);
    const mem = (name: string) => row(name).locator('td.mem .spark-value').textContent();
    await eventually(async () => (await mem('worker')) === '–' && /^\d+(\.\d)? (KiB|MiB)$/.test((await mem('web')) ?? ''), 15_000, 'a sample');
    const cell = row('web').locator('td.mem');
    assert.equal(await cell.evaluate((el) => getComputedStyle(el).textAlign), 'right');
    assert.equal(await row('web').locator('td.mem .spark-value').evaluate((el) => getComputedStyle(el).whiteSpace), 'nowrap');
    assert.equal(d.cli('start', 'worker').code, 0);
  });

  test('the boot timeline is drawn at its own size, in 12 px type', async () => {
    await page.getByRole('button', { name: 'Boot timeline' }).click();
    const chart = page.getByRole('img', { name: /Timeline of \d+ units/ });
    await chart.waitFor();
    assert.match((await chart.getAttribute('aria-label')) ?? '', /Timeline of [1-9]\d* units/);
    const box = (await chart.boundingBox())!;
    const units = Number(/of (\d+)/.exec((await chart.getAttribute('aria-label'))!)![1]);
    assert.ok(box.height <= 24 + units * 20 + 8 + 1, `${box.height} px for ${units} units`);
    const font = await chart.locator('text.tl-name').first().evaluate((el) => getComputedStyle(el).fontSize);
    assert.equal(font, '12px');
    assert.match((await page.locator('section.timeline h2').textContent()) ?? '', /runlevel 3 .*at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d: \d/i);
    await page.getByRole('button', { name: 'Services' }).click();
  });

  test('without the session cookie the API answers 401', async () => {
    const res = await fetch(`${url}api/v1/services`);
    assert.equal(res.status, 401);
  });
});
