export { parseSyslog, type SyslogMessage } from './parse.js';
export { SyslogReceiver, type SyslogReceiverOptions } from './receiver.js';
