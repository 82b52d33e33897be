/**
 * systemd units at run time: the unit backend for .service, .socket, .timer
 * and .target units (on top of the src/systemd reading library), their
 * enablement through .wants links, and their order among all units.
 */
export { SystemdBackend, type SystemdBackendOptions } from './backend.js';
export { UnitFiles, type LinkChange, type UnitFilePaths } from './unit-files.js';
export { evaluateConditions, type ConditionOutcome } from './conditions.js';
export { orderUnit, dependencyWord, TARGET_FACILITIES } from './ordering.js';
export type { OtherUnits } from './jobs.js';
export { runSystemctl, type SystemctlResult } from './systemctl/run.js';
export type { SystemctlHost, UnitDetailView } from './systemctl/host.js';
export { journalLine, JOURNAL_FORMATS, type JournalFormat, type JournalLineOptions } from './journal-lines.js';
