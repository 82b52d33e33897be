import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseServiceFile } from './service-file.js';

const FILE = 'services/job.toml';
const parse = (text: string) => parseServiceFile('job', FILE, text);
const errors = (text: string) => parse(text).errors.map(String).join('\n');

describe('timer keys', () => {
  test('schedule or every, with anacron and overlap settings', () => {
    const t = parse('schedule = "30 4 * * *"\npersistent = true\nrandom_delay = "10min"\noverlap = "queue"\ntimeout = "1h"\nexec = ["/usr/bin/backup"]\n').definition!.timer;
    assert.deepEqual(t, { schedule: '30 4 * * *', persistent: true, randomDelayMs: 600_000, overlap: 'queue', timeoutMs: 3_600_000 });
    assert.deepEqual(parse('every = "15min"\nexec = ["/bin/true"]\n').definition!.timer, { everyMs: 900_000, persistent: false, randomDelayMs: 0, overlap: 'skip' });
  });

  test('start = SERVICE needs no exec', () => {
    const r = parse('schedule = "@daily"\nstart = "backup"\n');
    assert.deepEqual(r.errors, []);
    assert.equal(r.definition!.timer!.startService, 'backup');
  });

  test('mistakes name file, line and key', () => {
    assert.match(errors('schedule = "0 24 * * *"\nexec = ["/bin/true"]\n'), /services\/job\.toml:1: schedule "0 24 \* \* \*": hour 24 is outside 0-23/);
    assert.match(errors('schedule = "@daily"\nevery = "1h"\nexec = ["/bin/true"]\n'), /:2: "schedule" and "every" exclude each other/);
    assert.match(errors('persistent = true\nexec = ["/bin/true"]\n'), /a timer needs "schedule" \(cron syntax\) or "every"/);
    assert.match(errors('every = "1h"\nstart = "x"\nexec = ["/bin/true"]\n'), /either runs "exec" or starts a service/);
    assert.match(errors('every = "100ms"\nexec = ["/bin/true"]\n'), /"every" must be at least 1s/);
    assert.match(errors('schedule = "@daily"\noverlap = "sometimes"\nexec = ["/bin/true"]\n'), /overlap/);
  });
});
