import { actionCommand } from './action-command.js';

export const reload = actionCommand('reload', 'send services their reload signal (SIGHUP unless configured)');
