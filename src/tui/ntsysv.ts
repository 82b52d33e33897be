import type { HearthEvent, ServiceStatus } from '../model/index.js';
import { findDaemon } from '../catalog/index.js';
import { decodeKeys } from './keys.js';
import { changed, initialState, itemsFrom, reduce, resize, withState, type TuiState } from './model.js';
import { listHeight, render, type Look } from './render.js';

/** The part of the control client ntsysv uses (a fake in tests). */
export interface NtsysvClient {
  list(): Promise<ServiceStatus[]>;
  setEnabled(name: string, levels: number[] | undefined, on: boolean): Promise<unknown>;
  start(names: string[]): Promise<Array<{ ok: boolean; error?: { message: string } }>>;
  stop(names: string[]): Promise<Array<{ ok: boolean; error?: { message: string } }>>;
  restart(names: string[]): Promise<Array<{ ok: boolean; error?: { message: string } }>>;
  events(): AsyncIterable<HearthEvent> & { close(): void };
}

export interface Terminal {
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
  env: Record<string, string | undefined>;
}

export interface NtsysvOptions {
  levels: number[];
  back: boolean;
}

export interface NtsysvResult {
  /** 0 saved, 1 cancelled (or Back), 2 nothing to manage or a change failed. */
  code: number;
  /** Lines for stderr once the screen is restored. */
  errors: string[];
}

/** How the screen may look here: NO_COLOR and TERM=dumb turn colours off; box drawing needs a UTF-8 locale. */
export function lookFor(env: Record<string, string | undefined>): Look {
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  return { color: !env.NO_COLOR && env.TERM !== 'dumb', unicode: /utf-?8/i.test(locale) };
}

/**
 * ntsysv: runs the full-screen form until Ok or Cancel, then applies the
 * changed boxes through the control API. Nothing is written on Cancel. Unlike
 * the original, a box the user did not touch is left alone: ntsysv would have
 * set every edited level of every listed service to what its box showed.
 */
export async function runNtsysv(client: NtsysvClient, options: NtsysvOptions, term: Terminal): Promise<NtsysvResult> {
  const services = await client.list();
  // xinetd's "echo-stream" is the catalog's "echo".
  const known = (name: string) => findDaemon(name) ?? findDaemon(name.replace(/-(stream|dgram)$/, ''));
  const items = itemsFrom(
    services,
    options.levels,
    (name) => known(name)?.risk,
    (name) => known(name)?.description ?? '',
    (name) => known(name)?.riskReason,
  );
  if (items.length === 0) return { code: 2, errors: ['No services may be managed by ntsysv!'] };

  const look = lookFor(term.env);
  const size = () => ({ width: term.output.columns || 80, height: term.output.rows || 24 });
  let state: TuiState = initialState(items, options.levels, options.back, listHeight(size().height));

  const draw = () => {
    const { width, height } = size();
    const lines = render(state, width, height, look);
    term.output.write(`\x1b[H${lines.join('\r\n')}`);
  };

  const events = client.events();
  const cleanups: Array<() => void> = [];
  const finished = new Promise<void>((resolve) => {
    const act = (action: 'start' | 'stop' | 'restart', name: string) => {
      client[action]([name]).then(
        (r) => {
          state = { ...state, message: r[0]?.ok ? ` ${name}: ${action} done` : ` ${name}: ${r[0]?.error?.message ?? `${action} failed`}` };
          draw();
        },
        (e: Error) => {
          state = { ...state, message: ` ${name}: ${e.message}` };
          draw();
        },
      );
    };
    const onData = (chunk: Buffer | string) => {
      for (const key of decodeKeys(chunk.toString())) {
        const step = reduce(state, key);
        state = step.state;
        if (step.effect) act(step.effect.action, step.effect.name);
      }
      if (state.result) resolve();
      else draw();
    };
    const onResize = () => {
      state = resize(state, listHeight(size().height));
      term.output.write('\x1b[2J');
      draw();
    };
    const onSignal = () => {
      state = { ...state, result: 'cancel' };
      resolve();
    };
    cleanups.push(() => {
      term.input.off('data', onData);
      term.output.off('resize', onResize);
      process.off('SIGTERM', onSignal);
      process.off('SIGHUP', onSignal);
    });
    term.input.on('data', onData);
    term.output.on('resize', onResize);
    process.on('SIGTERM', onSignal);
    process.on('SIGHUP', onSignal);
  });

  // Live state column: every service.state event updates its row.
  void (async () => {
    try {
      for await (const e of events) {
        if (e.type === 'service.state') {
          state = withState(state, e.name, e.to);
          if (!state.result) draw();
        }
      }
    } catch {
      // The daemon went away: the form still works, its Ok will report the failure.
    }
  })();

  enterScreen(term);
  try {
    draw();
    await finished;
  } finally {
    for (const c of cleanups) c();
    events.close();
    leaveScreen(term);
  }

  if (state.result !== 'ok') return { code: 1, errors: [] };
  const errors: string[] = [];
  for (const item of changed(state)) {
    try {
      await client.setEnabled(item.name, item.group === 'inetd' ? undefined : options.levels, item.checked);
    } catch (e) {
      errors.push(`${item.name}: ${(e as Error).message}`);
    }
  }
  return { code: errors.length ? 2 : 0, errors };
}

function enterScreen(term: Terminal): void {
  if (term.input.isTTY) term.input.setRawMode(true);
  term.input.resume();
  // Alternate screen, cursor hidden, screen cleared.
  term.output.write('\x1b[?1049h\x1b[?25l\x1b[2J');
}

function leaveScreen(term: Terminal): void {
  term.output.write('\x1b[0m\x1b[?25h\x1b[?1049l');
  if (term.input.isTTY) term.input.setRawMode(false);
  term.input.pause();
}
