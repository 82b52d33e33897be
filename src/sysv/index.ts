export {
  runScript,
  describeLsbExit,
  isSysvAction,
  SYSV_ACTIONS,
  SYSV_PATH,
  type SysvAction,
  type RunScriptOptions,
  type ScriptResult,
} from './run-script.js';
export { SysvBackend } from './sysv-backend.js';
