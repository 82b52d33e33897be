/**
 * The durable path of service output: FIFOs drained into spool files by the
 * hearth-spool helper, read into the journal exactly once (see output-spool.ts).
 */
export { OutputSpool, type OutputSpoolOptions, type WorkerOutput } from './output-spool.js';
export type { SpooledOutput, OutputStream } from './spooled-output.js';
