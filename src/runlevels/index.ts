export { ALL_LEVELS, CHKCONFIG_DEFAULT_LEVELS, parseLevelString, isRunlevel, levelsToFlags, flagsToLevels, type LevelFlags } from './levels.js';
export { writeFileAtomicSync } from '../state/index.js';
export { type Enablement, type EnablementUnit, isEnabledIn, enabledIn } from './enablement.js';
export { JsonEnablementStore, ENABLEMENT_FILE } from './json-store.js';
export { SysvTreeEnablement, describeRcTree, type RcLink } from './sysv-tree.js';
export { computePriorities, type Priorities } from './priorities.js';
export { planStart, planStop, type OrderUnit, type Plan, type PlanDep, type PlanOptions } from './order.js';
export { runPlan, type RunReport, type RunOptions, type UnitTiming, type UnitOutcome, type SchedulerEvent } from './scheduler.js';
export { planTransition, runTransition, type Transition, type TransitionInput, type TransitionReport } from './transition.js';
export { blame, formatBlame, criticalChain, formatCriticalChain, formatMeasured, type BlameEntry, type ChainLink } from './analyze.js';
export { renderPlotSvg, escapeXml, type PlotOptions } from './plot-svg.js';
export {
  parseChkconfigArgs,
  chkconfigUsage,
  chkconfigArgumentError,
  type ChkconfigAction,
  type ChkconfigParse,
  type ChkconfigType,
  type ChkconfigState,
} from './chkconfig-args.js';
export { formatChkconfigLine, formatChkconfigXinetdLine, formatXinetdSection, chkconfigMessages } from './chkconfig-format.js';
export {
  runChkconfig,
  type ChkconfigContext,
  type ChkconfigResult,
  type ChkconfigService,
  type ChkconfigXinetdService,
} from './chkconfig-run.js';
export { formatStatusAllLine, statusAllStateOf, formatRunlevel, type StatusAllState } from './classic-format.js';
export { sysvEnablementUnit, sysvOrderUnit, serviceOrderUnit, serviceEnablementUnit } from './units.js';
export { saveTransition, loadTransition, LAST_RUN_FILE, BOOT_RUN_FILE, type StoredTransition, type TransitionKind } from './report-store.js';
export { RunlevelHost, type RunlevelUnit, type UnitCatalog } from './runlevel-host.js';
export { isBootEnabled } from './enablement.js';
export { loadFacilities, type Facilities } from './facilities.js';
export { joinReports } from './transition.js';
export { listXinetdFiles, setXinetdFile, xinetdFileOn, isSkippedXinetdFile } from './chkconfig-xinetd.js';
