import net from 'node:net';

/**
 * A free TCP port on 127.0.0.1: bound to port 0, read, released. Another process could take it before
 * it is used, which on one machine running one demo is rare enough; the collector then fails to start
 * and says which port.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
