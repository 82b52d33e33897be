import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, type RunningDaemon } from './helpers/daemon.js';
import { eventually, freePortBase, REPO } from './helpers/index.js';

/**
 * How the GUI looks, in chromium at a desktop size (1400x900) and a phone size
 * (390x844): the phone layout works on its own, nothing moves when a button is
 * pressed, the timeline stays readable for 2 and for 200 units, and every page
 * is saved as a screenshot in test-artifacts/ for a person to look at.
 */

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const ARTIFACTS = join(REPO, 'test-artifacts');
const DESKTOP = { width: 1400, height: 900 };
const PHONE = { width: 390, height: 844 };

type Browser = import('playwright-core').Browser;
type Page = import('playwright-core').Page;

async function webAddress(d: RunningDaemon): Promise<{ url: string; token: string }> {
  const runtime = join(d.root, 'run');
  const url = await eventually(() => (existsSync(join(runtime, 'web-address')) ? readFileSync(join(runtime, 'web-address'), 'utf8').trim() : undefined), 10_000, 'the web GUI address');
  return { url, token: readFileSync(join(runtime, 'web-token'), 'utf8').trim() };
}

describe('web GUI layout in chromium', { skip: CHROMIUM ? false : 'chromium is not installed (apt-get install chromium)' }, () => {
  let d: RunningDaemon;
  let browser: Browser;
  let page: Page;
  let web = { url: '', token: '' };

  before(async () => {
    const offset = await freePortBase([7]);
    d = await startDaemon(
      {
        'services/web.toml': 'description = "demo web server with a description long enough to be cut in a narrow column"\nexec = ["/bin/sh", "-c", "echo serving; exec sleep 1000"]\nrunlevels = [2, 3, 4, 5]\n',
        'services/worker.toml': 'description = "background worker"\nexec = ["/bin/sleep", "1000"]\nrunlevels = [3, 5]\nrequires = ["web"]\n',
        'services/crashy.toml': 'description = "crashes at once"\nexec = ["/bin/sh", "-c", "echo cannot open /nonexistent/db >&2; exit 3"]\nrestart = "always"\nrestart_delay = "2s"\n',
        'hearth.toml': `[inetd]\nport_offset = ${offset}\n`,
        'xinetd.d/echo': 'service echo\n{\n\ttype = INTERNAL\n\tid = echo-stream\n\tsocket_type = stream\n\tprotocol = tcp\n\twait = no\n\tbind = 127.0.0.1\n}\n',
      },
      ['--web-listen', '127.0.0.1:0'],
    );
    web = await webAddress(d);
    mkdirSync(ARTIFACTS, { recursive: true });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: DESKTOP });
  });
  after(async () => {
    await browser?.close();
    await d?.stop();
  });

  const row = (name: string) => page.locator(`tr[data-service="${name}"]`);
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `web-${name}.png`), fullPage: true });
  const sampled = () => eventually(async () => /MiB|KiB/.test((await row('web').locator('td.mem').textContent()) ?? ''), 15_000, 'the first memory sample');

  test('the login page, at both sizes', async () => {
    for (const [size, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
      const fresh = await browser.newPage({ viewport });
      await fresh.goto(web.url);
      await fresh.getByRole('button', { name: 'Log in' }).waitFor();
      assert.ok((await fresh.evaluate(() => document.documentElement.scrollWidth)) <= viewport.width);
      await fresh.screenshot({ path: join(ARTIFACTS, `web-login-${size}.png`), fullPage: true });
      await fresh.close();
    }
    await page.goto(`${web.url}?token=${web.token}`);
    await row('web').waitFor();
  });

  test('pressing restart moves nothing and the focus stays on the button pressed', async () => {
    await sampled();
    await eventually(async () => (await row('crashy').locator('.why').count()) > 0, 15_000, 'the crash loop shown');
    const restart = page.getByRole('button', { name: 'restart web', exact: true });
    await restart.focus();
    const names = ['web', 'worker', 'crashy', 'echo-stream'];
    const boxes = async () => Promise.all(names.map(async (n) => (await row(n).boundingBox())!));
    const before = await boxes();
    // Chromium's own measure too: the sum of layout-shift entries from here on.
    await page.evaluate(() => {
      (window as unknown as { shifts: number }).shifts = 0;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) (window as unknown as { shifts: number }).shifts += (e as unknown as { value: number }).value;
      }).observe({ type: 'layout-shift' });
    });
    await page.keyboard.press('Enter');
    await eventually(async () => /web: restart done/.test((await page.getByRole('status').textContent()) ?? ''), 15_000, 'the message');
    await eventually(async () => (await row('web').locator('[data-state]').getAttribute('data-state')) === 'running', 10_000, 'web running again');
    await page.waitForTimeout(5500); // the next usage sample, which fills the CPU column, must not move anything either
    const after = await boxes();
    names.forEach((n, i) => {
      assert.ok(Math.abs(after[i]!.y - before[i]!.y) < 0.5 && Math.abs(after[i]!.height - before[i]!.height) < 0.5, `${n} stayed put: ${JSON.stringify([before[i], after[i]])}`);
    });
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'restart web');
    const measured = await page.evaluate(() => (window as unknown as { shifts: number }).shifts);
    assert.ok(measured < 0.01, `layout shift score ${measured}`);
    await shot('services-desktop');
  });

  test('the detail panel, the timeline and the audit at desktop size', async () => {
    await page.getByRole('button', { name: 'crashy', exact: true }).click();
    await eventually(async () => /cannot open/.test((await page.locator('[data-log="crashy"]').textContent()) ?? ''), 10_000, 'the log');
    await page.screenshot({ path: join(ARTIFACTS, 'web-detail-desktop.png') });
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Boot timeline' }).click();
    await page.getByRole('img', { name: /Timeline of/ }).waitFor();
    await page.getByRole('img', { name: 'Dependency graph' }).waitFor();
    await shot('timeline-desktop');
    await page.getByRole('button', { name: 'Audit' }).click();
    await page.locator('article.finding, section[aria-label="Audit"], p').first().waitFor();
    await eventually(async () => !(await page.getByText('Auditing…').count()), 15_000, 'the audit');
    await shot('audit-desktop');
    await page.getByRole('button', { name: 'Services' }).click();
  });

  test('at phone width every service is a card with its state, reason, runlevel toggles and actions; nothing scrolls sideways', async () => {
    await page.setViewportSize(PHONE);
    await row('web').waitFor();
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= PHONE.width, 'no sideways scrolling');
    for (const name of ['web', 'worker']) {
      for (const l of [0, 3, 6]) {
        const box = (await page.getByRole('checkbox', { name: `${name} in runlevel ${l}` }).boundingBox())!;
        assert.ok(box && box.x >= 0 && box.x + box.width <= PHONE.width && box.width >= 16, `${name} level ${l} toggle on screen: ${JSON.stringify(box)}`);
      }
      for (const a of ['start', 'stop', 'restart', 'reload']) {
        const box = (await page.getByRole('button', { name: `${a} ${name}`, exact: true }).boundingBox())!;
        assert.ok(box.x >= 0 && box.x + box.width <= PHONE.width && box.height >= 30, `${a} ${name} is a tappable button`);
      }
    }
    assert.ok(await row('crashy').locator('.why').isVisible(), 'the reason is on the card');
    assert.ok(await page.getByRole('checkbox', { name: 'echo-stream on' }).isVisible());
    await shot('services-phone');

    // Enabling works from the phone as on the desktop.
    await page.getByRole('checkbox', { name: 'worker in runlevel 4' }).check();
    await page.getByRole('region', { name: 'Pending changes' }).waitFor();
    await page.getByRole('button', { name: 'Save' }).click();
    await eventually(() => /4:on/.test(d.cli('chkconfig', '--list', 'worker').stdout), 10_000, 'worker on in 4');
  });

  test('at phone width the detail panel fills the screen, none of it cut off', async () => {
    await page.getByRole('button', { name: 'web', exact: true }).click();
    const panel = page.getByRole('dialog', { name: 'Service web' });
    await eventually(async () => /serving/.test((await panel.locator('[data-log="web"]').textContent()) ?? ''), 10_000, 'the log');
    const box = (await panel.boundingBox())!;
    assert.ok(box.x >= 0 && Math.round(box.x + box.width) <= PHONE.width, JSON.stringify(box));
    assert.ok(await panel.getByRole('button', { name: 'Close' }).isVisible());
    const wide = await panel.evaluate((el) => el.scrollWidth > el.clientWidth + 1);
    assert.equal(wide, false, 'nothing in the panel is wider than the screen');
    await page.screenshot({ path: join(ARTIFACTS, 'web-detail-phone.png') });
    await panel.getByRole('button', { name: 'Close' }).click();
  });

  test('the timeline and the audit at phone width', async () => {
    await page.getByRole('button', { name: 'Boot timeline' }).click();
    const chart = page.getByRole('img', { name: /Timeline of/ });
    await chart.waitFor();
    const box = (await chart.boundingBox())!;
    assert.ok(box.width <= PHONE.width, `the chart fits: ${box.width} px`);
    await shot('timeline-phone');
    await page.getByRole('button', { name: 'Audit' }).click();
    await eventually(async () => !(await page.getByText('Auditing…').count()), 15_000, 'the audit');
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= PHONE.width);
    await shot('audit-phone');
    await page.getByRole('button', { name: 'Services' }).click();
    await page.setViewportSize(DESKTOP);
  });
});

describe('the boot timeline of 200 units in chromium', { skip: CHROMIUM ? false : 'chromium is not installed' }, () => {
  let d: RunningDaemon;
  let browser: Browser;

  before(async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 200; i++) {
      const name = `unit-${String(i).padStart(3, '0')}`;
      // One-shot programs: the boot measures 200 starts without leaving 200 processes behind.
      files[`services/${name}.toml`] = `exec = ["/bin/true"]\nrestart = "never"\n${i % 20 ? `after = ["unit-${String(i - 1).padStart(3, '0')}"]\n` : ''}`;
    }
    d = await startDaemon(files, ['--web-listen', '127.0.0.1:0']);
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox'] });
  });
  after(async () => {
    await browser?.close();
    await d?.stop();
  });

  test('one 20 px row per unit in 12 px type, the chart as wide as the page, at both sizes', async () => {
    const web = await webAddress(d);
    for (const [size, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
      const page = await browser.newPage({ viewport });
      await page.goto(`${web.url}?token=${web.token}`);
      await page.getByRole('button', { name: 'Boot timeline' }).click();
      const chart = page.getByRole('img', { name: 'Timeline of 200 units' });
      await chart.waitFor({ timeout: 15_000 });
      const box = (await chart.boundingBox())!;
      assert.ok(Math.abs(box.height - (24 + 200 * 20 + 8)) < 1, `${box.height} px tall`);
      assert.ok(box.width <= viewport.width, `${box.width} px wide on a ${viewport.width} px page`);
      assert.equal(await chart.locator('text.tl-name').first().evaluate((el) => getComputedStyle(el).fontSize), '12px');
      const graph = (await page.getByRole('img', { name: 'Dependency graph' }).boundingBox())!;
      assert.ok(graph.height < 800, `the graph wraps its columns: ${graph.height} px tall`);
      await page.screenshot({ path: join(ARTIFACTS, `web-timeline-200-${size}.png`), fullPage: size === 'phone' ? false : true });
      await page.close();
    }
  });
});
