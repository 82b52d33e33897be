/**
 * The face timers use: parse an OnCalendar= expression once, ask for its
 * normalised text and its next elapse as often as needed.
 */
import { formatCalendarSpec } from './format.js';
import { nextElapse } from './next.js';
import { parseCalendarSpec, type CalendarSpec } from './spec.js';
import { loadZone, processZone, type TimeZone } from '../../util/time-zone.js';
import type { MktimeState } from './zone.js';

export interface CalendarOptions {
  /** The zone expressions without a zone are read in; default: this process's (processZone, read in zoneinfoDir when that is given). */
  localZone?: TimeZone;
  /** Where IANA zones are read from. */
  zoneinfoDir?: string;
  /**
   * glibc's mktime remembers its last offset process-wide, which decides
   * ambiguous wall times; events sharing one state behave like one process
   * (as the expressions of one systemd-analyze run do). Default: the event's own.
   */
  mktimeState?: MktimeState;
}

export class CalendarEvent {
  private constructor(
    readonly text: string,
    readonly spec: CalendarSpec,
    private readonly zone: TimeZone,
    private readonly zoneinfoDir: string,
    private readonly state: MktimeState,
  ) {}

  /** Parses an expression; null when systemd would refuse it ("Failed to parse calendar specification"). */
  static parse(text: string, options: CalendarOptions = {}): CalendarEvent | null {
    const zoneinfoDir = options.zoneinfoDir ?? '/usr/share/zoneinfo';
    // A timer parses its expressions at every arming: the process's zone is read once, not each time.
    const zone = options.localZone ?? processZone(options.zoneinfoDir);
    const spec = parseCalendarSpec(text, { localZone: zone, zoneExists: (name) => loadZone(name, zoneinfoDir) !== null });
    return spec ? new CalendarEvent(text, spec, zone, zoneinfoDir, options.mktimeState ?? { guess: 0 }) : null;
  }

  /** What `systemd-analyze calendar` prints as "Normalized form". */
  get normalized(): string {
    return formatCalendarSpec(this.spec, this.zone);
  }

  /** The next elapse strictly after `after` (default: now), or null if there is none; throws CalendarLoopError where systemd gives up. */
  next(after: Date = new Date()): Date | null {
    const usec = this.nextUsec(after.getTime() * 1000);
    return usec === null ? null : new Date(Math.floor(usec / 1000));
  }

  /** As next(), in microseconds since the epoch, exact. */
  nextUsec(afterUsec: number): number | null {
    return nextElapse(this.spec, afterUsec, { localZone: this.zone, zone: (name) => loadZone(name, this.zoneinfoDir), state: this.state });
  }
}
