import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, type RunningDaemon } from './helpers/daemon.js';
import { eventually, freePortBase, REPO } from './helpers/index.js';

/**
 * The web GUI in a real browser: Debian's chromium driven by playwright-core.
 * Screenshots go to test-artifacts/ (not committed) for a person to look at.
 */

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const ARTIFACTS = join(REPO, 'test-artifacts');

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
        'hearth.toml': `[inetd]\nport_offset = ${offset}\n`,
        'xinetd.d/echo': 'service echo\n{\n\ttype = INTERNAL\n\tid = echo-stream\n\tsocket_type = stream\n\tprotocol = tcp\n\twait = no\n\tdisable = yes\n}\n',
      },
      ['--web-listen', '127.0.0.1:0'],
    );
    const runtime = join(d.root, 'run');
    const address = await eventually(() => (existsSync(join(runtime, 'web-address')) ? readFileSync(join(runtime, 'web-address'), 'utf8').trim() : undefined), 10_000, 'the web GUI address');
    const token = readFileSync(join(runtime, 'web-token'), 'utf8').trim();
    url = address;
    mkdirSync(ARTIFACTS, { recursive: true });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
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
    await page.screenshot({ path: join(ARTIFACTS, 'web-list.png'), fullPage: true });
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
    await page.screenshot({ path: join(ARTIFACTS, 'web-pending.png'), fullPage: true });
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

  test('the detail panel shows the log, following it live', async () => {
    await page.getByRole('button', { name: 'web', exact: true }).click();
    const log = page.locator('pre[data-log="web"]');
    await eventually(async () => /serving/.test((await log.textContent()) ?? ''), 10_000, 'the log line');
    assert.equal(d.cli('restart', 'web').code, 0);
    await eventually(async () => ((await log.textContent()) ?? '').split('serving').length > 2, 10_000, 'the new line after a restart');
    const panel = page.getByRole('dialog', { name: 'Service web' });
    await eventually(async () => /sleep 1000/.test((await panel.locator('ul.procs').textContent()) ?? ''), 10_000, 'its process in the panel');
    assert.match((await panel.locator('dl.settings').textContent()) ?? '', /exec.*\/bin\/sh/);
    await page.screenshot({ path: join(ARTIFACTS, 'web-detail.png'), fullPage: true });
    await page.keyboard.press('Escape');
  });

  test('the boot timeline and the dependency graph are drawn', async () => {
    await page.getByRole('button', { name: 'Boot timeline' }).click();
    await page.getByRole('img', { name: 'Dependency graph' }).waitFor();
    assert.match((await page.getByRole('img', { name: /Timeline of \d+ units/ }).getAttribute('aria-label')) ?? '', /Timeline of [1-9]\d* units/);
    await page.screenshot({ path: join(ARTIFACTS, 'web-timeline.png'), fullPage: true });
    await page.getByRole('button', { name: 'Services' }).click();
  });

  test('the page is usable at phone width', async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    await row('web').waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 420, `no sideways scrolling at 390 px (page is ${width} px wide)`);
    await page.screenshot({ path: join(ARTIFACTS, 'web-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  test('without the session cookie the API answers 401', async () => {
    const res = await fetch(`${url}api/v1/services`);
    assert.equal(res.status, 401);
  });
});
