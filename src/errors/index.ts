/**
 * The one error catalogue: HearthError, the table of codes (HTTP status and
 * meaning of each), and the helpers that name system failures for what they are.
 */
export { HearthError, isHearthError, describeError, type HearthErrorOptions } from './hearth-error.js';
export { ERROR_TABLE, httpStatusOf, isErrorCode, type ErrorCode, type ErrorEntry } from './table.js';
export { descriptorShortage, isDescriptorShortage } from './system.js';
