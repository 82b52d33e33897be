export { parseCalendarSpec, USEC_PER_SEC, type CalendarSpec, type CalendarComponent, type ParseOptions } from './spec.js';
export { formatCalendarSpec } from './format.js';
export { nextElapse, CalendarLoopError, type NextOptions } from './next.js';
export { loadZone, localtime, mktime, parseTzif, parsePosixRule, zoneTypeAt, isValidZoneName, UTC_ZONE, type TimeZone, type Tm, type ZoneType, type MktimeState } from './zone.js';
export { CalendarEvent, localZone, localZoneName, type CalendarOptions } from './event.js';
