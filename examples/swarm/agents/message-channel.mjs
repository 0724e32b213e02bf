// A JSON message channel between two agents: newline-delimited JSON over TCP on 127.0.0.1. The smallest
// real transport that is not HTTP, standing in for Redis pub/sub or a queue: the trace context rides in
// each message (see inject/extract in the agents), not in the transport.
import net from 'node:net';

/**
 * Serves the channel: `onMessage(message, reply)` for each JSON line received; `reply(object)` writes a
 * line back on the same connection. Resolves once listening, with the port and a `close()`.
 */
export function serveChannel({ port = 0, onMessage }) {
  const sockets = new Set();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    readLines(socket, (line) => {
      let message;
      try {
        message = JSON.parse(line);
      } catch {
        return; // not a message of this channel
      }
      onMessage(message, (answer) => {
        if (!socket.destroyed) socket.write(`${JSON.stringify(answer)}\n`);
      });
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      resolve({
        port: server.address().port,
        close() {
          for (const s of sockets) s.destroy();
          server.close();
        },
      });
    });
  });
}

/**
 * Opens the channel to `port`. `request(message)` sends it (with a fresh `id` when it has none) and
 * resolves with the reply whose `inReplyTo` is that id.
 */
export function openChannel({ port, timeoutMs = 10_000 }) {
  const pending = new Map();
  let next = 0;
  const socket = net.connect(port, '127.0.0.1');
  readLines(socket, (line) => {
    const answer = JSON.parse(line);
    const waiter = pending.get(answer.inReplyTo);
    if (waiter) {
      pending.delete(answer.inReplyTo);
      clearTimeout(waiter.timer);
      waiter.resolve(answer);
    }
  });
  socket.on('error', (err) => {
    for (const w of pending.values()) w.reject(err);
    pending.clear();
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.once('connect', () => {
      resolve({
        request(message) {
          message.id ??= `msg-${process.pid}-${++next}`;
          return new Promise((res, rej) => {
            const timer = setTimeout(() => {
              pending.delete(message.id);
              rej(new Error(`no reply to ${message.id} within ${timeoutMs} ms`));
            }, timeoutMs);
            pending.set(message.id, { resolve: res, reject: rej, timer });
            socket.write(`${JSON.stringify(message)}\n`);
          });
        },
        close() {
          socket.end();
        },
      });
    });
  });
}

function readLines(socket, onLine) {
  let buffer = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk) => {
    buffer += chunk;
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.trim() !== '') onLine(line);
    }
  });
}

/** Resolves after `ms` milliseconds: the agents' stand-in for real work. */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Resolves with the first message of `type` the demo runner sends over the IPC channel; started without
 * the runner, with `standalone()` instead.
 */
export function fromRunner(type, standalone) {
  if (typeof process.send !== 'function') return Promise.resolve(standalone());
  return new Promise((resolve) => {
    const listener = (message) => {
      if (message?.type !== type) return;
      process.off('message', listener);
      resolve(message);
    };
    process.on('message', listener);
  });
}

/**
 * Tells the demo runner this agent is ready (over the IPC channel it was started with) and stops the
 * agent when asked: `stop()` closes its servers and the IPC channel, so the event loop empties and the
 * process ends on its own, which is when the instrumentation flushes what is left.
 */
export function reportReady(info, stop) {
  if (typeof process.send !== 'function') {
    console.info(`ready: ${JSON.stringify(info)} (started without the demo runner; Ctrl-C to stop)`);
    return;
  }
  process.on('message', (message) => {
    if (message?.type !== 'stop') return;
    stop();
    process.disconnect();
  });
  process.send({ type: 'ready', ...info });
}
