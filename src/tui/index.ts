export { runNtsysv, lookFor, type NtsysvClient, type NtsysvOptions, type NtsysvResult, type Terminal } from './ntsysv.js';
export { render, listHeight, stripStyles, type Look } from './render.js';
export { reduce, initialState, itemsFrom, visible, changed, withState, resize, type TuiState, type Item } from './model.js';
export { decodeKeys, type Key } from './keys.js';
