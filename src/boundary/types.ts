/**
 * Everything a unit started: the set of processes that one stop must reach.
 * Process groups today; a cgroup where the host gives hearthd one.
 */
export interface ProcessBoundary {
  /** For messages: "process group 1234". */
  readonly description: string;
  /** Sends the signal to every process inside; false when nothing was reached. */
  signal(signal: NodeJS.Signals): boolean;
  /** SIGKILL to everything inside. */
  kill(): void;
  /** True once no live process is left (zombies count as gone). */
  isEmpty(): boolean;
  /** Calls onEmpty once no process is left; returns a cancel function. */
  whenEmpty(onEmpty: () => void): () => void;
}
