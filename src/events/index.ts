import { EventEmitter } from 'node:events';
import type { HearthEvent } from '../model/index.js';

export { describeEvent, describeExit, eventLevel } from './describe.js';

export type EventListener = (event: HearthEvent) => void;

/**
 * Every state change in hearthd is published here as a typed event. The core
 * never prints: the log writer, the control API's SSE stream and tests subscribe.
 */
export class EventBus {
  private readonly emitter = new EventEmitter();
  private readonly recent: HearthEvent[] = [];

  constructor(private readonly keepRecent = 500) {
    // One listener per SSE client; many clients is normal, not a leak.
    this.emitter.setMaxListeners(0);
  }

  emit(event: HearthEvent): void {
    this.recent.push(event);
    if (this.recent.length > this.keepRecent) this.recent.splice(0, this.recent.length - this.keepRecent);
    this.emitter.emit('event', event);
  }

  subscribe(listener: EventListener): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  history(): readonly HearthEvent[] {
    return this.recent;
  }
}
