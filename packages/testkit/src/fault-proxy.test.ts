import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { createRng } from '@aisle/recsys/random';
import { afterEach, describe, expect, it } from 'vitest';
import { type FaultProxy, type Faults, mergeFaults, NO_FAULTS, startFaultProxy } from './fault-proxy';
import { until } from './wait';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function listening<T extends net.Server>(server: T, port = 0): Promise<T> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

function portOf(server: net.Server): number {
  return (server.address() as AddressInfo).port;
}

/** A node:http target answering `/big` with 1 MiB and anything else with `hello <path>`; counts requests. */
async function httpTarget() {
  const big = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) % 251;
  let handled = 0;
  const server = http.createServer((req, res) => {
    handled++;
    if (req.url === '/big') res.end(big);
    else res.end(`hello ${req.url}`);
  });
  await listening(server);
  cleanups.push(() => {
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  });
  return { server, port: portOf(server), big, handled: () => handled };
}

async function proxyTo(port: number, faults: Partial<Faults> = {}, seed = 42): Promise<FaultProxy> {
  const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port }, faults, seed });
  cleanups.push(() => proxy.close());
  return proxy;
}

interface Got {
  status: number;
  body: Buffer;
}

function get(url: string, opts: { agent?: http.Agent; timeoutMs?: number } = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: opts.agent ?? false, timeout: opts.timeoutMs ?? 5_000 }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
  });
}

/** A raw TCP target; `echo` echoes, otherwise it only records what arrives. */
async function tcpTarget(echo: boolean) {
  let received = '';
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('data', (d) => {
      received += d.toString();
      if (echo) socket.write(d);
    });
    socket.on('end', () => socket.end());
  });
  await listening(server);
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise((r) => server.close(r));
  });
  return { port: portOf(server), received: () => received };
}

async function rawClient(port: number) {
  const socket = net.connect({ host: '127.0.0.1', port });
  let received = '';
  let error: NodeJS.ErrnoException | undefined;
  let closed = false;
  socket.on('data', (d) => {
    received += d.toString();
  });
  socket.on('error', (e) => {
    error = e;
  });
  socket.on('close', () => {
    closed = true;
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  cleanups.push(() => socket.destroy());
  return { socket, received: () => received, error: () => error, closed: () => closed };
}

const fast = <T>(what: string, probe: () => T | undefined | null | false) => until(what, probe, 5_000, 5);

describe('fault proxy without faults', () => {
  it('forwards HTTP requests byte for byte, a 1 MiB body too, and counts the bytes', async () => {
    const target = await httpTarget();
    const proxy = await proxyTo(target.port);

    const small = await get(`${proxy.url}/greeting`);
    expect(small.status).toBe(200);
    expect(small.body.toString()).toBe('hello /greeting');

    const big = await get(`${proxy.url}/big`);
    expect(big.body.length).toBe(target.big.length);
    expect(big.body.equals(target.big)).toBe(true);

    const stats = proxy.stats();
    expect(stats.accepted).toBe(2);
    expect(stats.toClient.bytes).toBeGreaterThan(target.big.length);
    expect(stats.toClient.bytesForwarded).toBe(stats.toClient.bytes);
    expect(stats.toTarget.bytesForwarded).toBe(stats.toTarget.bytes);
    expect(stats.toTarget.bytes).toBeGreaterThan(0);
    expect(stats.resets).toBe(0);
    await fast('connections to finish', () => proxy.stats().active === 0);
  });

  it('keeps order and content under delay and jitter', async () => {
    const target = await httpTarget();
    const proxy = await proxyTo(target.port, { delayMs: 5, jitterMs: 20 });
    const big = await get(`${proxy.url}/big`);
    expect(big.body.equals(target.big)).toBe(true);
    expect(proxy.stats().toClient.chunks).toBeGreaterThan(1);
  });
});

describe('fault proxy faults', () => {
  it('resetRate 1 resets connections; the proxy works again once it is cleared', async () => {
    const target = await httpTarget();
    const proxy = await proxyTo(target.port, { resetRate: 1 });

    await expect(get(`${proxy.url}/a`)).rejects.toThrow(/ECONNRESET|socket hang up/);
    expect(proxy.stats().resets).toBe(1);

    await proxy.setFaults({ resetRate: 0 });
    expect((await get(`${proxy.url}/b`)).body.toString()).toBe('hello /b');
  });

  it('duplicate 1 on toClient delivers every echoed chunk twice', async () => {
    const target = await tcpTarget(true);
    const proxy = await proxyTo(target.port, { duplicate: 1, direction: 'toClient' });
    const client = await rawClient(proxy.port);

    client.socket.write('one;');
    await fast('the first echo twice', () => client.received() === 'one;one;');
    client.socket.write('two;');
    await fast('the second echo twice', () => client.received() === 'one;one;two;two;');
    expect(target.received()).toBe('one;two;');
    expect(proxy.stats().toClient.duplicated).toBe(2);
    expect(proxy.stats().toTarget.duplicated).toBe(0);
  });

  it('reorder swaps separately sent chunks', async () => {
    const target = await tcpTarget(false);
    const proxy = await proxyTo(target.port, { reorder: 1, direction: 'toTarget', reorderHoldMs: 10_000 });
    const client = await rawClient(proxy.port);
    const sent = ['A', 'B', 'C'];
    for (const [i, chunk] of sent.entries()) {
      client.socket.write(chunk);
      await fast(`chunk ${chunk} to reach the proxy`, () => proxy.stats().toTarget.chunks === i + 1);
    }
    client.socket.end();
    await fast('all chunks at the target', () => target.received().length === 3);
    expect(target.received()).not.toBe(sent.join(''));
    expect(target.received()).toBe('BAC');
    expect(proxy.stats().toTarget.reordered).toBe(1);
  });

  it('drop discards a chunk and resets the broken connection after dropResetMs', async () => {
    const target = await tcpTarget(true);
    const proxy = await proxyTo(target.port, { drop: 1, direction: 'toTarget', dropResetMs: 20 });
    const client = await rawClient(proxy.port);
    client.socket.write('lost');
    await fast('the client to be reset', () => client.closed());
    expect(client.error()?.code).toBe('ECONNRESET');
    expect(target.received()).toBe('');
    expect(proxy.stats()).toMatchObject({ resets: 1, toTarget: { dropped: 1, forwarded: 0 } });
  });

  it('down refuses new connections and resets open ones; resume listens on the same port', async () => {
    const target = await tcpTarget(true);
    const proxy = await proxyTo(target.port);
    const open = await rawClient(proxy.port);

    await proxy.pause();
    await fast('the open connection to be reset', () => open.closed());
    await expect(get(`${proxy.url}/x`)).rejects.toThrow(/ECONNREFUSED/);
    expect(proxy.faults().down).toBe(true);

    await proxy.resume();
    const again = await rawClient(proxy.port);
    again.socket.write('back');
    await fast('the echo', () => again.received() === 'back');
  });

  it('blackhole makes requests time out; clearing it works again', async () => {
    const target = await httpTarget();
    const proxy = await proxyTo(target.port, { blackhole: true });

    await expect(get(`${proxy.url}/void`, { timeoutMs: 200 })).rejects.toThrow(/client timeout/);
    expect(target.handled()).toBe(0);
    expect(proxy.stats().toTarget.swallowed).toBeGreaterThan(0);

    await proxy.setFaults({ blackhole: false });
    expect((await get(`${proxy.url}/light`)).body.toString()).toBe('hello /light');
  });

  it('blackhole switched on silences open connections, and clearing it resets them', async () => {
    const target = await tcpTarget(true);
    const proxy = await proxyTo(target.port);
    const client = await rawClient(proxy.port);
    client.socket.write('1');
    await fast('the first echo', () => client.received() === '1');

    await proxy.setFaults({ blackhole: true });
    client.socket.write('2');
    await fast('the chunk to be swallowed', () => proxy.stats().toTarget.swallowed === 1);
    expect(target.received()).toBe('1');

    await proxy.setFaults({ blackhole: false });
    await fast('the silenced connection to be reset', () => client.closed());
    expect(client.received()).toBe('1');
  });

  it('a target that is not listening resets the client; the proxy stays up', async () => {
    const spare = await listening(net.createServer());
    const port = portOf(spare);
    await new Promise((r) => spare.close(r));
    const proxy = await proxyTo(port);

    await expect(get(`${proxy.url}/nobody`)).rejects.toThrow(/ECONNRESET|socket hang up/);
    expect(proxy.stats().targetUnreachable).toBe(1);

    const late = http.createServer((_req, res) => res.end('late'));
    await listening(late, port);
    cleanups.push(() => new Promise((r) => late.close(r)));
    expect((await get(`${proxy.url}/`)).body.toString()).toBe('late');
  });

  it('a target that resets the connection gets the client reset', async () => {
    const server = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.once('data', () => socket.resetAndDestroy());
    });
    await listening(server);
    cleanups.push(() => new Promise((r) => server.close(r)));
    const proxy = await proxyTo(portOf(server));
    const client = await rawClient(proxy.port);
    client.socket.write('hello');
    await fast('the client to be reset', () => client.closed());
    expect(client.error()?.code).toBe('ECONNRESET');
    await fast('the proxy to let go', () => proxy.stats().active === 0);
    expect(proxy.stats().peerErrors).toBe(1);
  });

  it('close() destroys open connections and stops listening', async () => {
    const target = await tcpTarget(true);
    const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: target.port } });
    const client = await rawClient(proxy.port);
    await proxy.close();
    await fast('the client to be closed', () => client.closed());
    await expect(rawClient(proxy.port)).rejects.toThrow(/ECONNREFUSED/);
    await proxy.close();
  });
});

describe('fault proxy lossRate', () => {
  async function run(lossRate: number, agent: http.Agent | undefined, seed: number) {
    const target = await httpTarget();
    const proxy = await proxyTo(target.port, { lossRate }, seed);
    let attempts = 0;
    let failures = 0;
    const bodies: string[] = [];
    for (let i = 0; i < 200; i++) {
      for (let tries = 1; ; tries++) {
        attempts++;
        try {
          bodies.push((await get(`${proxy.url}/r${i}`, { agent })).body.toString());
          break;
        } catch (err) {
          failures++;
          if (tries >= 20) throw err;
        }
      }
    }
    return { proxy, target, attempts, failures, bodies };
  }

  it('fails roughly that share of exchanges, and retries get every request through', async () => {
    const { proxy, attempts, failures, bodies } = await run(0.3, undefined, 1234);
    expect(bodies).toEqual(Array.from({ length: 200 }, (_, i) => `hello /r${i}`));
    const share = failures / attempts;
    expect(share).toBeGreaterThan(0.15);
    expect(share).toBeLessThan(0.45);
    expect(proxy.stats().lostExchanges).toBe(failures);
  });

  it('counts per exchange on reused keep-alive connections too', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(() => agent.destroy());
    const { proxy, attempts, failures, bodies } = await run(0.3, agent, 99);
    expect(bodies).toHaveLength(200);
    const share = failures / attempts;
    expect(share).toBeGreaterThan(0.15);
    expect(share).toBeLessThan(0.45);
    // connections are reused between failures, so far fewer connections than attempts
    expect(proxy.stats().accepted).toBeLessThan(attempts);
  });

  it('lossPoint response lets the target handle requests whose replies are lost', async () => {
    const target = await httpTarget();
    const proxy = await proxyTo(target.port, { lossRate: 1, lossPoint: 'response' });
    await expect(get(`${proxy.url}/applied`)).rejects.toThrow(/ECONNRESET|socket hang up/);
    await fast('the target to handle it', () => target.handled() === 1);
    expect(proxy.stats()).toMatchObject({ lostExchanges: 1, resets: 1 });
  });

  it('lossMode stall goes silent, then resets after dropResetMs', async () => {
    const target = await httpTarget();
    const proxy = await proxyTo(target.port, { lossRate: 1, lossPoint: 'request', lossMode: 'stall', dropResetMs: 30 });
    await expect(get(`${proxy.url}/stalled`)).rejects.toThrow(/ECONNRESET|socket hang up/);
    expect(target.handled()).toBe(0);
    expect(proxy.stats().toTarget.swallowed).toBeGreaterThan(0);
  });
});

describe('fault settings', () => {
  it('rejects bad settings naming them', async () => {
    expect(() => mergeFaults(NO_FAULTS, { drop: 2 })).toThrow(/drop must be a probability/);
    expect(() => mergeFaults(NO_FAULTS, { delayMs: -1 })).toThrow(/delayMs/);
    expect(() => mergeFaults(NO_FAULTS, { direction: 'up' as never })).toThrow(/direction must be one of/);
    expect(() => mergeFaults(NO_FAULTS, { lossRte: 0.3 } as never)).toThrow(/unknown fault setting "lossRte"/);
    await expect(startFaultProxy({ target: { host: '127.0.0.1', port: 0 } })).rejects.toThrow(/target.port/);
    const target = await tcpTarget(true);
    const proxy = await proxyTo(target.port);
    await expect(proxy.setFaults({ resetRate: Number.NaN })).rejects.toThrow(/resetRate/);
    expect(proxy.faults()).toEqual(NO_FAULTS);
  });

  it('the dice are deterministic for a seed', () => {
    const a = createRng(7);
    const b = createRng(7);
    const rolls = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(rolls);
    expect(rolls.every((r) => r >= 0 && r < 1)).toBe(true);
    expect(new Set(rolls).size).toBe(5);
  });
});
