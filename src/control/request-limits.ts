import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { HearthError } from '../errors/index.js';

/**
 * Request bodies are small JSON commands. A body announced as larger than the
 * cap is refused with 413 as soon as the headers are in, before a byte of it
 * is read, and the connection is closed so the rest is never taken in either.
 * A body without a length (chunked) is counted as it is read and cut off at
 * the cap (see readBodyText).
 */
export const CONTROL_MAX_BODY_BYTES = 256 * 1024;
/** The web GUI's requests (logins, single actions) are smaller still. */
export const WEB_MAX_BODY_BYTES = 64 * 1024;

export function tooLarge(maxBytes: number): HearthError {
  return new HearthError('ERR_TOO_LARGE', `request body is larger than ${maxBytes} bytes`, { hint: 'these requests are small JSON commands' });
}

/** How long a refused client may go on sending (into the void) before its connection is closed. */
const LINGER_MS = 2000;

/**
 * Answers 413 and then closes the way RFC 9112 asks (a "lingering close"):
 * our side is shut at once, while what the client is still sending is read
 * and dropped for a moment, so that closing does not reset the connection
 * and destroy the answer before the client has read it.
 */
function refuse(req: IncomingMessage, res: ServerResponse, maxBytes: number): void {
  const e = tooLarge(maxBytes);
  const body = JSON.stringify({ error: { code: e.code, message: e.message, hint: e.hint } });
  res.writeHead(413, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
  const socket = req.socket;
  res.once('finish', () => {
    socket.end();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  });
  // Nothing reads this body: drop it as it comes.
  req.resume();
}

/** Wraps a Node request listener so that announced oversize bodies never reach it. */
export function refuseLargeBodies(listener: RequestListener, maxBytes: number): RequestListener {
  return (req, res) => {
    const length = req.headers['content-length'];
    if (length !== undefined && !(/^\d+$/.test(length) && Number(length) <= maxBytes)) {
      refuse(req, res, maxBytes);
      return;
    }
    listener(req, res);
  };
}

/**
 * Reads a request body as text, throwing ERR_TOO_LARGE past maxBytes: reading
 * stops there (the router drops what still comes after the answer, for a
 * moment, then closes the connection).
 */
export function readBodyText(req: IncomingMessage, maxBytes: number): Promise<string> {
  if (req.readableEnded) return Promise.resolve('');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        finish();
        req.pause();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      finish();
      resolve(Buffer.concat(chunks, size).toString('utf8'));
    };
    // The client went away in the middle of its body: there is nobody to answer.
    const onClose = (): void => {
      finish();
      reject(new HearthError('ERR_BAD_REQUEST', 'the request body was cut off'));
    };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('close', onClose);
  });
}

/** A value for an error message: JSON, cut short so that no error grows with its input. */
export function quote(value: unknown, max = 60): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
