#!/usr/bin/env node
// The demo's web server: answers every request with a greeting and its pid.
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 18080);
createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(`hello from pid ${process.pid}: ${req.method} ${req.url}\n`);
  console.log(`${req.method} ${req.url}`);
}).listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}/`));
