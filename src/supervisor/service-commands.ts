import type { ChildProcess } from 'node:child_process';
import { describeError } from '../errors/index.js';
import type { CommandLine } from '../model/index.js';

/** How a list of commands ended. */
export interface CommandOutcome {
  /** Every command ran, and none failed (a failure of a "-" command does not count). */
  ok: boolean;
  /** The run was cancelled (the service is being stopped): nothing more was started. */
  cancelled?: boolean;
  /** The last command's exit (for ExecCondition=, whose exit code says what to do). */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why it failed, for messages: "ExecStartPre=/bin/false exited with code 1". */
  why?: string;
}

/**
 * Runs a service's other commands (ExecStartPre=, ExecStop= …) one after
 * another, as systemd runs a unit's control processes: the next starts when
 * the previous ended; the first failure of a command without "-" ends the
 * list. Spawning (through the unit's tracking, output to its journal) is the
 * runner's, so every process of a unit starts the same way.
 */
export class CommandSequence {
  private child: ChildProcess | undefined;
  private cancelled = false;
  private finish: ((o: CommandOutcome) => void) | undefined;

  constructor(
    private readonly label: string,
    private readonly commands: readonly CommandLine[],
    private readonly spawn: (command: CommandLine) => ChildProcess,
  ) {}

  /** The running command's pid (its process group too: commands start detached). */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  run(): Promise<CommandOutcome> {
    return new Promise((resolve) => {
      this.finish = resolve;
      this.next(0, { ok: true, code: 0, signal: null });
    });
  }

  /** Starts nothing more; the running command is the caller's to stop (it is in the unit's boundary). */
  cancel(): void {
    this.cancelled = true;
  }

  private next(index: number, last: CommandOutcome): void {
    if (this.cancelled) return this.finish?.({ ...last, ok: false, cancelled: true });
    const command = this.commands[index];
    if (!command) return this.finish?.(last);
    const text = `${this.label}=${command.argv.join(' ')}`;
    let child: ChildProcess;
    try {
      child = this.spawn(command);
    } catch (e) {
      if (command.ignoreFailure) return this.next(index + 1, { ok: true, code: null, signal: null });
      return this.finish?.({ ok: false, code: null, signal: null, why: `${text}: ${describeError(e)}` });
    }
    this.child = child;
    let settled = false;
    const ended = (code: number | null, signal: NodeJS.Signals | null, error?: Error) => {
      if (settled) return;
      settled = true;
      this.child = undefined;
      const failed = error !== undefined || code !== 0;
      if (failed && !command.ignoreFailure) {
        const how = error ? error.message : signal ? `was killed by ${signal}` : `exited with code ${code}`;
        return this.finish?.({ ok: false, code, signal, why: `${text} ${how}`, ...(this.cancelled ? { cancelled: true } : {}) });
      }
      this.next(index + 1, { ok: true, code, signal });
    };
    // A program that cannot be spawned reports 'error' and maybe no 'exit'.
    child.once('error', (e) => child.pid === undefined && ended(null, null, e));
    child.once('exit', (code, signal) => ended(code, signal));
  }
}
