import type { ProcessBoundary } from './types.js';

/**
 * Several boundaries as one: signalled together, empty when all are. A unit's
 * cgroup is joined by its processes a moment after they are forked (by
 * hearth-cgexec, before the program runs); until then the cgroup looks empty,
 * so the process group hearthd created at fork belongs to the boundary too.
 */
export class UnionBoundary implements ProcessBoundary {
  constructor(private readonly parts: ProcessBoundary[]) {}

  get description(): string {
    return this.parts.map((p) => p.description).join(' + ');
  }

  signal(signal: NodeJS.Signals): boolean {
    let reached = false;
    for (const p of this.parts) if (p.signal(signal)) reached = true;
    return reached;
  }

  kill(): void {
    for (const p of this.parts) p.kill();
  }

  isEmpty(): boolean {
    return this.parts.every((p) => p.isEmpty());
  }

  whenEmpty(onEmpty: () => void): () => void {
    let cancels: Array<() => void> = [];
    let finished = false;
    const arm = () => {
      let left = this.parts.length;
      cancels = this.parts.map((p) =>
        p.whenEmpty(() => {
          if (--left > 0 || finished) return;
          // A part that emptied first may have been joined meanwhile: only all empty at once counts.
          if (!this.isEmpty()) return arm();
          finished = true;
          onEmpty();
        }),
      );
    };
    arm();
    return () => {
      finished = true;
      for (const c of cancels) c();
    };
  }
}
