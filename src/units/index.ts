/**
 * The unit model at run time: one interface every kind of unit implements,
 * and the registry that answers for a unit by name without knowing its kind.
 */
export type { UnitBackend, UnitAction, UnitDetail, RunlevelUnit, ApplyReport, RecoveryReport, EnableOutcome, PassThroughResult } from './backend.js';
export { UnitRegistry, unitKey, type ShadowedUnit } from './registry.js';
export { LazyBackend, type LazyBackendSource } from './lazy-backend.js';
