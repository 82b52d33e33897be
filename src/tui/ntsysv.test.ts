import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { HearthEvent, ServiceStatus } from '../model/index.js';
import { fakeService } from '../control/index.js';
import { changed, initialState, itemsFrom, reduce, visible, withState, type TuiState } from './model.js';
import { listHeight, render, stripStyles } from './render.js';
import { runNtsysv, type NtsysvClient } from './ntsysv.js';
import type { Key } from './keys.js';

const SERVICES: ServiceStatus[] = [
  fakeService('web', { levels: [false, false, false, true, false, true, false], state: 'running' }),
  fakeService('db', { levels: [false, false, false, false, false, false, false] }),
  fakeService('sleeperd', { kind: 'sysv', levels: [false, false, true, true, true, true, false], state: 'running', description: '' }),
  fakeService('echo-stream', { kind: 'inetd', enabled: false, description: '' }),
  fakeService('broken', { state: 'broken' }),
];
const LOOK = { color: false, unicode: true };

function start(levels = [2, 3, 4, 5], height = 24): TuiState {
  const items = itemsFrom(SERVICES, levels, (n) => (n === 'echo-stream' ? 'high' : undefined), (n) => (n === 'echo-stream' ? 'Echo protocol (RFC 862)' : ''));
  return initialState(items, levels, false, listHeight(height));
}

function press(s: TuiState, ...keys: Key[]): TuiState {
  for (const k of keys) s = reduce(s, k).state;
  return s;
}

describe('ntsysv model', () => {
  test('the list is grouped SysV, native, xinetd; a box is checked when on in any edited level', () => {
    const s = start();
    assert.deepEqual(visible(s).map((i) => [i.name, i.group, i.checked]), [
      ['sleeperd', 'sysv', true],
      ['db', 'service', false],
      ['web', 'service', true],
      ['echo-stream', 'inetd', false],
    ]);
    assert.equal(start([2]).items.find((i) => i.name === 'web')!.checked, false);
  });

  test('Space toggles the selected box, arrows move, and only changed boxes count', () => {
    const s = press(start(), 'down', 'space');
    assert.deepEqual(changed(s).map((i) => [i.name, i.checked]), [['db', true]]);
    assert.deepEqual(changed(press(s, 'space')), []);
  });

  test('Tab moves to Ok, Cancel and back to the list; Enter on a button ends the form', () => {
    assert.equal(press(start(), 'tab').focus, 'ok');
    assert.equal(press(start(), 'tab', 'tab').focus, 'cancel');
    assert.equal(press(start(), 'tab', 'tab', 'tab').focus, 'list');
    assert.equal(press(start(), 'tab', 'enter').result, 'ok');
    assert.equal(press(start(), 'tab', 'tab', 'enter').result, 'cancel');
    assert.equal(press(start(), 'f12').result, 'ok');
    assert.equal(press(start(), 'esc').result, 'cancel');
  });

  test("F1 shows the service's description, else the catalog's, and explains a risk mark", () => {
    const s = press(start(), 'end', 'f1');
    assert.deepEqual(s.popup, {
      kind: 'help',
      title: 'echo-stream',
      text: 'Echo protocol (RFC 862)\n\nRISK: high risk.\nRISK = high risk, risk = medium (hearth catalog).',
    });
    assert.equal(press(s, 'space').popup, null, 'any key closes it');
    const why = itemsFrom(SERVICES, [3], (n) => (n === 'web' ? 'medium' : undefined), () => '', () => 'talks to strangers');
    const web = initialState(why, [3], false, 10);
    assert.match((press(web, 'down', 'down', 'f1').popup as { text: string }).text, /\nrisk: medium risk: talks to strangers\./);
  });

  test('/ filters as you type; Esc clears the search', () => {
    let s = press(start(), { char: '/' }, { char: 'e' }, { char: 'c' });
    assert.deepEqual(visible(s).map((i) => i.name), ['echo-stream']);
    s = press(s, 'enter', 'space');
    assert.deepEqual(changed(s).map((i) => i.name), ['echo-stream'], 'the filtered row is the one toggled');
    assert.equal(visible(press(s, 'esc')).length, 4);
  });

  test('s, t and r ask first; only y carries out the action', () => {
    const asked = press(start(), 'down', 'down', { char: 't' });
    assert.deepEqual(asked.popup, { kind: 'confirm', action: 'stop', name: 'web' });
    assert.deepEqual(reduce(asked, { char: 'y' }).effect, { type: 'action', action: 'stop', name: 'web' });
    assert.equal(reduce(asked, { char: 'n' }).effect, undefined);
  });

  test('PgDn and PgUp page through a list longer than the window', () => {
    const many = Array.from({ length: 40 }, (_, i) => fakeService(`svc${String(i).padStart(2, '0')}`, { levels: [false, false, true, true, true, true, false] }));
    let s = initialState(itemsFrom(many, [3], () => undefined, () => ''), [3], false, 10);
    s = press(s, 'pgdn');
    assert.equal(s.cursor, 10);
    assert.ok(s.scroll <= s.cursor && s.cursor < s.scroll + 10);
    s = press(s, 'pgdn', 'pgdn', 'pgdn', 'pgdn');
    assert.equal(s.cursor, 39);
    assert.equal(press(s, 'pgup').cursor, 29);
  });

  test('a state event updates the live column', () => {
    assert.equal(withState(start(), 'db', 'running').items.find((i) => i.name === 'db')!.state, 'running');
  });
});

describe('ntsysv screen', () => {
  test('at 80x24 every line is exactly 80 columns and there are 24 lines', () => {
    const lines = render(start(), 80, 24, LOOK);
    assert.equal(lines.length, 24);
    for (const l of lines) assert.equal([...stripStyles(l)].length, 80);
    const text = lines.map(stripStyles).join('\n');
    assert.match(text, /Services/);
    assert.match(text, /What services should be automatically started\?/);
    assert.match(text, /\[\*\] sleeperd +running/);
    assert.match(text, /\[ \] echo-stream +stopped +xinetd +RISK/);
    assert.match(text, /Name +State +Kind +Risk/, 'a heading row names the columns');
    assert.match(text, /RISK = high risk, risk = medium/, 'the marks are explained on screen');
    assert.match(text, / Ok .* Cancel /);
  });

  test('--back labels the second button Back; resizes keep the exact size', () => {
    const s = { ...start(), back: true };
    assert.match(render(s, 100, 30, LOOK).map(stripStyles).join('\n'), /Back/);
    const small = render(s, 60, 16, LOOK);
    assert.equal(small.length, 16);
    for (const l of small) assert.equal([...stripStyles(l)].length, 60);
  });

  test('NO_COLOR: no colour codes, only reverse video for the selection; ASCII boxes outside UTF-8', () => {
    const plain = render(start(), 80, 24, { color: false, unicode: false }).join('\n');
    assert.doesNotMatch(plain, /\x1b\[(3\d|4\d)/);
    assert.match(plain, /\x1b\[7m/);
    assert.match(stripStyles(plain), /\+-+ Services -+\+/);
    assert.match(render(start(), 80, 24, { color: true, unicode: true }).join('\n'), /\x1b\[1;37;44m/);
  });
});

class FakeClient implements NtsysvClient {
  calls: string[] = [];
  async list() {
    return SERVICES;
  }
  async setEnabled(name: string, levels: number[] | undefined, on: boolean) {
    this.calls.push(`enable ${name} ${levels ? levels.join('') : '-'} ${on}`);
    return {};
  }
  async start(names: string[]) {
    this.calls.push(`start ${names}`);
    return [{ ok: true }];
  }
  async stop(names: string[]) {
    this.calls.push(`stop ${names}`);
    return [{ ok: true }];
  }
  async restart(names: string[]) {
    this.calls.push(`restart ${names}`);
    return [{ ok: true }];
  }
  events() {
    const stream = new PassThrough({ objectMode: true });
    return Object.assign((async function* () {
      for await (const e of stream) yield e as HearthEvent;
    })(), { close: () => stream.end() });
  }
}

function terminal() {
  const input = new PassThrough() as unknown as NodeJS.ReadStream;
  const output = Object.assign(new PassThrough(), { columns: 80, rows: 24 }) as unknown as NodeJS.WriteStream;
  (output as unknown as PassThrough).resume();
  return { input, output, env: { NO_COLOR: '1' } };
}

describe('ntsysv against the control API', () => {
  test('Cancel changes nothing', async () => {
    const client = new FakeClient();
    const term = terminal();
    const done = runNtsysv(client, { levels: [2, 3, 4, 5], back: false }, term);
    setTimeout(() => (term.input as unknown as PassThrough).write('\x1b[B \t\t\r'), 20);
    const r = await done;
    assert.equal(r.code, 1);
    assert.deepEqual(client.calls, []);
  });

  test('Ok writes exactly the changed boxes: levels for units, on/off for xinetd services', async () => {
    const client = new FakeClient();
    const term = terminal();
    const done = runNtsysv(client, { levels: [3, 5], back: false }, term);
    // down to db, toggle on; End to echo-stream, toggle on; F12.
    setTimeout(() => (term.input as unknown as PassThrough).write('\x1b[B \x1b[F \x1b[24~'), 20);
    const r = await done;
    assert.equal(r.code, 0);
    assert.deepEqual(client.calls, ['enable db 35 true', 'enable echo-stream - true']);
  });

  test('no manageable service: the classic message and exit 2', async () => {
    const client = new FakeClient();
    client.list = async () => [];
    assert.deepEqual(await runNtsysv(client, { levels: [3], back: false }, terminal()), { code: 2, errors: ['No services may be managed by ntsysv!'] });
  });
});
