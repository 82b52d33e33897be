export { runCli, hearthVersion, type RunCliOptions } from './run-cli.js';
export { COMMANDS, PERSONALITIES, findCommand } from './registry.js';
export { EXIT } from './exit-codes.js';
export { Output, type CliIo } from './output.js';
export { GLOBAL_OPTIONS } from './help-text.js';
export type { Command, CommandContext, OptionSpec, OptionValues } from './command.js';
