export { parseCalendarSpec, USEC_PER_SEC, type CalendarSpec, type CalendarComponent, type ParseOptions } from './spec.js';
export { formatCalendarSpec } from './format.js';
export { nextElapse, CalendarLoopError, type NextOptions } from './next.js';
export { localtime, mktime, type Tm, type MktimeState } from './zone.js';
export { loadZone, localZone, localZoneName, processZone, parseTzif, parsePosixRule, zoneTypeAt, isValidZoneName, UTC_ZONE, type TimeZone, type ZoneType } from '../../util/time-zone.js';
export { CalendarEvent, type CalendarOptions } from './event.js';
