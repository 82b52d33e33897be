// The HTTP hello-world both pool benchmarks run, unchanged: under hearth it
// accepts on the socket hearthd passes (LISTEN_FDS, fd 3); under PM2's cluster
// mode it listens on $PORT and PM2's master shares the port. Either way it
// drains gracefully on SIGTERM (hearth) or SIGINT (PM2's reload signal).
import http from 'node:http';
import net from 'node:net';

let stopping = false;
const server = http.createServer((_req, res) => {
  res.setHeader('content-type', 'text/plain');
  if (stopping) res.setHeader('connection', 'close');
  res.end('hello world\n');
});
server.keepAliveTimeout = 2000;

function drain() {
  if (stopping) return;
  stopping = true;
  // Stop accepting without http's close(), which would also drop idle keep-alive connections mid-request.
  net.Server.prototype.close.call(server, () => process.exit(0));
  setTimeout(() => process.exit(0), 4000).unref();
}
process.on('SIGTERM', drain);
process.on('SIGINT', drain);

const where = process.env.LISTEN_FDS ? { fd: 3 } : { port: Number(process.env.PORT), host: '127.0.0.1' };
server.listen(where, () => {
  console.log(`listening (${process.pid})`);
  process.send?.('ready'); // PM2's wait_ready
});
