import net from 'node:net';

/** Connection errors that mean nothing can be delivered there now, however long one waits. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'EAI_AGAIN']);

/**
 * Whether an OTLP/HTTP endpoint refuses connections outright (nothing listens, no such host): one TCP
 * connect, answered in a millisecond on the same host. The OTLP exporters retry a refused connection
 * with backoff for their whole export timeout (10 s), so a bounded shutdown would otherwise wait out its
 * bound with nothing to wait for. A collector that accepts and answers slowly is not "refusing": its
 * exports are still waited for, within the bound. Resolves false on a timeout or anything unexpected.
 */
export function endpointRefuses(url: string, timeoutMillis = 1000): Promise<boolean> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve(false);
  }
  const port = Number(target.port || (target.protocol === 'https:' ? 443 : 80));
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (refused: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(refused);
    };
    const timer = setTimeout(() => done(false), timeoutMillis);
    socket.once('connect', () => done(false));
    socket.once('error', (err: NodeJS.ErrnoException) => done(UNREACHABLE.has(err.code ?? '')));
  });
}
