import { test, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { OutputFifos } from './output-fifo.js';
import { ServiceOutput, type LogSink, type OutputFlow } from './service-output.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

/** A sink that records which readers are attached to its flow control, as the journal's writer does. */
function flowSink(): { sink: LogSink; flows: Set<OutputFlow> } {
  const flows = new Set<OutputFlow>();
  const sink: LogSink = {
    write: () => undefined,
    end: () => undefined,
    attach: (flow) => {
      flows.add(flow);
      return () => flows.delete(flow);
    },
  };
  return { sink, flows };
}

describe('ServiceOutput keeps every reader of a service under the journal flow control (on_log_full = "block")', () => {
  test('without the spool helper, a child spawned onto the FIFOs leaves the FIFO readers attached', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-svcout-'));
    const { sink, flows } = flowSink();
    const output = new ServiceOutput('svc', sink, new OutputFifos(dir), () => undefined);
    cleanup.push(() => {
      output.close();
      rmSync(dir, { recursive: true, force: true });
    });
    // As spawnTracked and its callers do: FIFO fds for the spawn, then the child's own pipes, null here.
    const fds = output.fdsForSpawn()!;
    output.closeSpawnFds(fds);
    output.attachPipes(null, null);
    assert.equal(flows.size, 1, 'the FIFO readers are still paused by the journal');
    const readers = (output as unknown as { readers: { out: NodeJS.ReadableStream; err: NodeJS.ReadableStream } }).readers;
    for (const flow of flows) flow.pause();
    assert.ok(readers.out.isPaused() && readers.err.isPaused(), 'pausing the flow pauses both FIFO readers');
    for (const flow of flows) flow.resume();
    assert.ok(!readers.out.isPaused() && !readers.err.isPaused());
    output.close();
    assert.equal(flows.size, 0, 'closed readers are detached');
  });

  test('each child with its own pipes stays attached until its pipes close; a later child does not detach an earlier one', () => {
    const { sink, flows } = flowSink();
    const output = new ServiceOutput('svc', sink, undefined, () => undefined);
    const main = [new PassThrough(), new PassThrough()];
    const control = [new PassThrough(), new PassThrough()];
    output.attachPipes(main[0]!, main[1]!);
    output.attachPipes(control[0]!, control[1]!);
    assert.equal(flows.size, 2, 'the main process and the control command are both paused by the journal');
    for (const flow of flows) flow.pause();
    assert.ok([...main, ...control].every((p) => p.isPaused()));
    for (const flow of flows) flow.resume();
    control[0]!.emit('close');
    assert.equal(flows.size, 2, 'one pipe of the control command is still open');
    control[1]!.emit('close');
    assert.equal(flows.size, 1, 'the control command is detached once both its pipes closed');
    output.close();
    assert.equal(flows.size, 0);
  });
});
