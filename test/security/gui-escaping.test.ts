import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { eventually } from '../helpers/index.js';
import { startTarget, type AttackTarget } from './helpers.js';

/**
 * A service's user controls its description (in its own unit file, when the
 * file is theirs), its output, and so what the GUI shows an admin. Markup in
 * either must show as text and never run in the admin's browser.
 */
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const MARKUP = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';

type Browser = import('playwright-core').Browser;

describe('security: the GUI shows service-controlled text as text', { skip: CHROMIUM ? false : 'chromium is not installed (apt-get install chromium)' }, () => {
  let d: AttackTarget;
  let browser: Browser;
  before(async () => {
    d = await startTarget(
      {
        'services/evil.toml': `description = '${MARKUP}'\nexec = ["/bin/sh", "-c", "printf '%s\\\\n' '${MARKUP.replace(/["']/g, '')}'; exec sleep 1000"]\n`,
      },
      { web: true },
    );
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox'] });
  });
  after(async () => {
    await browser?.close();
    await d?.stop();
  });

  test('markup in a description and in log lines is shown, not run', async () => {
    const page = await browser.newPage();
    await page.goto(`${d.webUrl}?token=${d.token}`);
    const row = page.locator('tr[data-service="evil"]');
    await row.waitFor();
    await eventually(async () => /<img src=x onerror=/.test((await row.textContent()) ?? ''), 10_000, `the description shown as text: ${await row.textContent()}`);
    await page.getByRole('button', { name: 'evil', exact: true }).click();
    const log = page.locator('[data-log="evil"]');
    await eventually(async () => /<script>window.__pwned=2<\/script>/.test((await log.textContent()) ?? ''), 10_000, 'the log line shown as text');
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.equal(await page.locator('img[src="x"]').count(), 0);
  });
});
