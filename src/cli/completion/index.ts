export { completionSpec, type CompletionSpec, type ArgKind } from './spec.js';
export { bashCompletion } from './bash.js';
export { zshCompletion } from './zsh.js';
export { fishCompletion } from './fish.js';
