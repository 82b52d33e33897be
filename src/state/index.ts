/** hearthd's own state files: written atomically, read defensively (a bad file is set aside and reported, never silently reset). */
export { writeFileAtomicSync } from './atomic-write.js';
export { readJsonState, type CorruptState, type CorruptionReporter } from './read-state.js';
