import { actionCommand } from './action-command.js';

export const stop = actionCommand('stop', 'stop services (their whole process group)');
