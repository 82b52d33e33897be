import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { startDaemon, runCli, writeTree, type RunningDaemon } from './helpers/daemon.js';
import { REPO, eventually, freePortBlock, tempDir } from './helpers/index.js';

/** The examples in docs/ are run as written (ports picked at run time), so they cannot rot. */

function codeBlocks(doc: string, section: string): Array<{ lang: string; text: string }> {
  const text = readFileSync(join(REPO, 'docs', doc), 'utf8');
  const start = text.indexOf(`## ${section}`);
  assert.ok(start >= 0, `section "${section}" in docs/${doc}`);
  const end = text.indexOf('\n## ', start + 1);
  const body = text.slice(start, end < 0 ? undefined : end);
  return [...body.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, text: m[2]! }));
}

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/' }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}

describe('docs/services.md: the worker pool example', () => {
  let d: RunningDaemon | undefined;
  after(async () => {
    await d?.stop();
  });

  test('its service file and its bin/server.mjs serve requests from 4 workers', async () => {
    const [toml, js] = codeBlocks('services.md', 'Worker pools');
    assert.equal(toml?.lang, 'toml');
    assert.equal(js?.lang, 'js');
    const port = await freePortBlock(1);
    d = await startDaemon(
      { 'services/hello-pool.toml': toml!.text.replace(/8080/g, String(port)), 'bin/server.mjs': js!.text },
      [],
      { executable: ['bin/server.mjs'] },
    );
    await eventually(() => /hello-pool +running/.test(d!.cli('list').stdout), 15_000, 'the pool running');
    assert.match(await get(port), /^hello from worker \d+\n$/);
    const status = d.cli('status', 'hello-pool').stdout;
    assert.match(status, /Workers \(4\)/);
  });
});

describe('docs/timers.md: the backup example', () => {
  test('hearth check accepts it and warns that its program is missing', () => {
    const [toml] = codeBlocks('timers.md', 'Native timers');
    const dir = tempDir('hearth-doc-timer-');
    try {
      writeTree(dir.path, { 'services/backup.toml': toml!.text });
      const r = runCli(undefined, ['check', '--config-dir', dir.path]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /warning: services\/backup\.toml:4: "exec" program "\/usr\/local\/bin\/backup" does not exist/);
    } finally {
      dir.cleanup();
    }
  });
});
