import { createServer } from 'node:net';

/** Whether `port` on `host` can be bound right now. */
function isFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(false) : reject(err)));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

export interface PortChoice {
  /** The port to ask the service for; 0 lets it bind any free port, and it reports which. */
  port: number;
  /** Set when the default was taken and a free port will be used instead. */
  note?: string;
}

/**
 * A port for a service: an explicitly configured one is used as is (0 = any free one; a taken
 * port is refused here with a clear message); a default that is taken becomes 0, and the
 * service's ready line tells which port it got.
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
    if (port !== 0 && !(await isFree(host, port))) throw new Error(`${name} port ${port} on ${host} is already in use`);
    return { port };
  }
  if (await isFree(host, fallback)) return { port: fallback };
  return { port: 0, note: `${name}: default port ${fallback} is taken; using a free port` };
}
