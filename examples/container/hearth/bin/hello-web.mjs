// The example's web service: answers every request with one line.
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  res.end(`hello from ${process.env.HEARTH_SERVICE ?? 'hearth'}\n`);
});
server.listen(8080, () => console.log('listening on 8080'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
