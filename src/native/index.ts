export { nativeHelperPath } from './helper-path.js';
export { DgramReceiver, type Datagram } from './dgram-receiver.js';
