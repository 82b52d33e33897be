import { actionCommand } from './action-command.js';

export const start = actionCommand('start', 'start services');
