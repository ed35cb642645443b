import { createServer } from 'node:net';

/** Resolves with the port actually bound when listening on `port` (0 = any free one), or null if taken. */
function tryBind(host: string, port: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(null) : reject(err)));
    server.listen(port, host, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : port));
    });
  });
}

export interface PortChoice {
  port: number;
  /** Set when the default was taken and another port was chosen. */
  note?: string;
}

/**
 * A port for a service: an explicitly configured one is used as is (0 picks a free one);
 * a default that is taken is replaced by a free port, and the choice is explained.
 */
export async function choosePort(
  name: string,
  host: string,
  explicit: string | undefined,
  fallback: number,
): Promise<PortChoice> {
  if (explicit !== undefined && explicit !== '') {
    const port = Number(explicit);
    if (!Number.isInteger(port) || port < 0 || port > 65_535)
      throw new Error(`${name} port "${explicit}" is not a port number`);
    const bound = await tryBind(host, port);
    if (bound === null) throw new Error(`${name} port ${port} on ${host} is already in use`);
    return { port: bound };
  }
  const bound = await tryBind(host, fallback);
  if (bound !== null) return { port: bound };
  const free = (await tryBind(host, 0))!;
  return { port: free, note: `${name}: default port ${fallback} is taken; using ${free}` };
}
