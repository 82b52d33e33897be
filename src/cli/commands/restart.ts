import { actionCommand } from './action-command.js';

export const restart = actionCommand('restart', 'stop, then start services');
