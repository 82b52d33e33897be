/**
 * The GUI's Fleet page in chromium: three hearthd in a fleet on a real etcd,
 * the page served by one of them. Hosts × units with live state (a unit
 * stopped on another host turns up on the page without a reload), the label
 * filter, a rolling restart with its progress, and the audit roll-up;
 * screenshots at desktop and phone size go to test-artifacts/.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EtcdCluster } from './helpers/etcd-cluster.js';
import { REPO, eventually, tempDir } from './helpers/index.js';
import { bundleDir, startFleetHost, type FleetHost } from './helpers/fleet-hosts.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const ARTIFACTS = join(REPO, 'test-artifacts');

type Browser = import('playwright-core').Browser;
type Page = import('playwright-core').Page;

describe('the Fleet page in chromium', { skip: CHROMIUM ? false : 'chromium is not installed (apt-get install chromium)' }, () => {
  let cluster: EtcdCluster;
  const root = tempDir('hearth-fleet-web-');
  let hosts: FleetHost[] = [];
  let browser: Browser;
  let page: Page;

  before(async () => {
    cluster = await EtcdCluster.start();
    const endpoints = cluster.endpoints;
    hosts = await Promise.all([
      startFleetHost({ endpoints, name: 'web1', labels: { role: 'web', dc: 'fra1' }, extraArgs: ['--web-listen', '127.0.0.1:0'] }),
      startFleetHost({ endpoints, name: 'web2', labels: { role: 'web', dc: 'ams1' } }),
      // db1 runs telnet: the audit roll-up must name it.
      startFleetHost({ endpoints, name: 'db1', labels: { role: 'db', dc: 'fra1' }, files: { 'services/telnetd.toml': 'exec = ["/bin/sleep", "1000"]\n' } }),
    ]);
    const dir = bundleDir(root.path, 'web', { 'services/api.toml': 'exec = ["/bin/sh", "-c", "echo ready; exec sleep 1000"]\nready = "log:^ready$"\n', 'services/cache.toml': 'exec = ["/bin/sleep", "1001"]\n' });
    const r = hosts[0]!.cli('fleet', 'apply', dir, '--selector', 'role=web');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const h of hosts.slice(0, 2)) await eventually(() => h.stateOf('api') === 'running', 20_000, `api on ${h.name}`);

    const runtime = hosts[0]!.runtimeDir;
    const url = await eventually(() => (existsSync(join(runtime, 'web-address')) ? readFileSync(join(runtime, 'web-address'), 'utf8').trim() : undefined), 10_000, 'the web GUI address');
    const token = readFileSync(join(runtime, 'web-token'), 'utf8').trim();
    mkdirSync(ARTIFACTS, { recursive: true });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${url}?token=${token}`);
    await page.getByRole('button', { name: 'Fleet', exact: true }).click();
  });
  after(async () => {
    await browser?.close();
    await Promise.all(hosts.map((h) => h.stop()));
    await cluster?.stop();
    root.cleanup();
  });

  const cell = (host: string, unit: string) => page.locator(`tr[data-host="${host}"] td[data-unit="${unit}"]`);
  // A cell that is not there yet is undefined at once (no waiting out playwright's own timeout).
  const stateOf = async (host: string, unit: string) => ((await cell(host, unit).count()) ? cell(host, unit).getAttribute('data-state', { timeout: 2000 }) : undefined);

  test('hosts × units with the state each host reports, from etcd through hearthd', async () => {
    await eventually(async () => (await stateOf('web2', 'api')) === 'running' && (await stateOf('db1', 'telnetd')) === 'running', 15_000, 'the matrix').catch(async (e: Error) => {
      throw new Error(`${e.message}; the page shows: ${await page.locator('section.fleet').textContent()}`);
    });
    assert.equal(await stateOf('web1', 'api'), 'running');
    assert.equal(await stateOf('db1', 'api'), 'absent', 'db1 has no api');
    assert.match((await page.locator('[data-fleet-link]').textContent()) ?? '', /This host: "web1", joined via http:\/\/127\.0\.0\.1:\d+/);
    await page.screenshot({ path: join(ARTIFACTS, 'web-fleet-desktop.png'), fullPage: true });
  });

  test('a change on another host turns up live, without reloading the page', async () => {
    assert.equal(hosts[1]!.cli('stop', 'cache').code, 0);
    await eventually(async () => (await stateOf('web2', 'cache')) === 'stopped', 15_000, 'web2 cache shown stopped');
    assert.equal(hosts[1]!.cli('start', 'cache').code, 0);
    await eventually(async () => (await stateOf('web2', 'cache')) === 'running', 15_000, 'web2 cache shown running');
  });

  test('the label filter keeps the hosts that match', async () => {
    await page.getByLabel('filter by dc').selectOption('fra1');
    await eventually(async () => (await page.locator('tr[data-host]').count()) === 2, 5000, 'two fra1 hosts');
    assert.deepEqual(await page.locator('tr[data-host]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-host'))), ['db1', 'web1']);
    await page.getByLabel('filter by dc').selectOption('');
    await page.getByLabel('filter by role').selectOption('web');
    await eventually(async () => (await page.locator('tr[data-host]').count()) === 2, 5000, 'two web hosts');
  });

  test('a rolling restart from the page shows each host as it goes, and ends done', async () => {
    const before = hosts.slice(0, 2).map((h) => h.processes('api')[0]);
    await page.getByLabel('unit to restart').selectOption('api');
    await page.getByRole('button', { name: 'Restart api host by host' }).click();
    await eventually(async () => (await page.locator('[data-restart]').getAttribute('data-restart')) === 'done', 30_000, 'the restart to finish');
    assert.deepEqual(await page.locator('ol.progress li').evaluateAll((li) => li.map((l) => [l.getAttribute('data-host'), l.getAttribute('data-phase')])), [
      ['web1', 'ready'],
      ['web2', 'ready'],
    ]);
    assert.match((await page.locator('[data-restart] p').textContent()) ?? '', /api on role=web, 1 at a time: done on 2 hosts/);
    hosts.slice(0, 2).forEach((h, i) => assert.notEqual(h.processes('api')[0], before[i], `${h.name} restarted api`));
  });

  test('the audit roll-up names the host that runs telnet', async () => {
    await page.getByLabel('filter by role').selectOption('');
    const row = page.locator('tr[data-audit-host="db1"]');
    await eventually(async () => /telnetd \(running, high risk/.test((await row.textContent()) ?? ''), 15_000, 'db1 with telnetd in the audit');
    await page.screenshot({ path: join(ARTIFACTS, 'web-fleet-audit-desktop.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(ARTIFACTS, 'web-fleet-phone.png'), fullPage: true });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `the phone page does not scroll sideways (${width}px wide)`);
  });
});
