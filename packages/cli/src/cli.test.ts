import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeviceRegistryFile, StaffFile, verifyPin, verifySecret } from '@aisle/contracts/credentials';
import { GatewayStore } from '@aisle/edge-gateway';
import { loadRecommender } from '@aisle/recsys/serve';
import { until } from '@aisle/testkit';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';

/** The real `aisle` command: the bin shim, in its own node process. */
const BIN = fileURLToPath(new URL('../bin/aisle.js', import.meta.url));

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running: Run[] = [];
const servers: Server[] = [];

afterEach(async () => {
  for (const r of running.splice(0))
    if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
  for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
});

function start(args: string[]): Run {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    err += d;
  });
  const exit = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  const run = { child, stdout: () => out, stderr: () => err, exit };
  running.push(run);
  return run;
}

async function aisle(...args: string[]) {
  const run = start(args);
  const { code } = await run.exit;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

/** A server listening on a free port of 127.0.0.1 (kept open until the test ends). */
async function occupiedPort(): Promise<number> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** A port that was free a moment ago. */
async function freePort(): Promise<number> {
  const port = await occupiedPort();
  await new Promise((resolve) => servers.pop()!.close(resolve));
  return port;
}

const LISTENING = /^mqtt broker \(conformance mode\) listening on mqtt:\/\/127\.0\.0\.1:(\d+)$/m;

describe('aisle', () => {
  it('--help lists the commands and exits 0', async () => {
    const r = await aisle('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: aisle <command> \[options\]/);
    expect(r.stdout).toMatch(/^ {2}gateway {2}/m);
    expect(r.stderr).toBe('');
    expect((await aisle('help')).stdout).toBe(r.stdout);
  });

  it('gateway --help describes its options and exits 0', async () => {
    const r = await aisle('gateway', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: aisle gateway --conformance --mqtt-port <port> \[--mqtt-host <host>\]/);
    for (const option of ['--conformance', '--mqtt-port <port>', '--mqtt-host <host>', '-h, --help'])
      expect(r.stdout).toContain(option);
    expect((await aisle('help', 'gateway')).stdout).toBe(r.stdout);
    expect((await aisle('--help', 'gateway')).stdout).toBe(r.stdout);
  });

  it('exits 2 with a clear message for no command, an unknown command or an unknown flag', async () => {
    const none = await aisle();
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('aisle: a command is required');

    const unknown = await aisle('frobnicate');
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown.stderr).toBe("aisle: unknown command 'frobnicate'\nRun 'aisle --help' for usage.\n");

    const globalFlag = await aisle('--verbose', 'gateway');
    expect(globalFlag.code).toBe(2);
    expect(globalFlag.stderr).toContain("aisle: unknown option '--verbose'");

    const flag = await aisle('gateway', '--conformance', '--mqtt-port', '0', '--bogus');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toBe("aisle: unknown option '--bogus'\nRun 'aisle gateway --help' for usage.\n");
  });

  it('exits 2 naming the problem for a missing, empty or bad option value and for stray arguments', async () => {
    const cases = [
      ['gateway', '--conformance'],
      ['gateway', '--conformance', '--mqtt-port'],
      ['gateway', '--conformance', '--mqtt-port', 'http'],
      ['gateway', '--conformance', '--mqtt-port', '65536'],
      ['gateway', '--conformance', '--mqtt-port', '0', '--mqtt-host', ''],
      ['gateway', '--conformance', '--mqtt-port', '0', 'extra'],
    ];
    const results = await Promise.all(cases.map((args) => aisle(...args)));
    for (const [i, r] of results.entries()) {
      const args = cases[i]!.join(' ');
      expect(r.code, args).toBe(2);
      expect(r.stderr, args).toMatch(/^aisle: .+\nRun 'aisle gateway --help' for usage\.\n$/);
    }
    expect(results.map((r) => r.stderr.split('\n')[0])).toEqual([
      'aisle: --mqtt-port is required with --conformance (0 for any free port)',
      "aisle: option '--mqtt-port <value>' argument missing",
      "aisle: --mqtt-port must be a port number from 0 to 65535, not 'http'",
      "aisle: --mqtt-port must be a port number from 0 to 65535, not '65536'",
      'aisle: --mqtt-host must not be empty',
      "aisle: unexpected argument 'extra'",
    ]);
  });

  it('gateway without --conformance points at the full gateway’s npm start and exits 2', async () => {
    const r = await aisle('gateway');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('npm start -w @aisle/edge-gateway');
  });

  it('gateway --conformance runs the broker with the conformance policy and stops on SIGTERM', async () => {
    const port = await freePort();
    const gw = start(['gateway', '--conformance', '--mqtt-port', String(port)]);
    const line = await until('the listening line', () => LISTENING.exec(gw.stdout()));
    expect(Number(line[1])).toBe(port);

    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
      clientId: 'cli-test',
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    // the suite's test_subscribe_failure: SUBACK 0x80 for test/nosubscribe
    await expect(client.subscribeAsync('test/nosubscribe', { qos: 2 })).rejects.toMatchObject({
      packet: { cmd: 'suback', granted: [0x80] },
    });
    // …while other subscriptions are granted and messages flow
    expect(await client.subscribeAsync('TopicA/+', { qos: 1 })).toEqual([{ topic: 'TopicA/+', qos: 1 }]);
    const received = new Promise<[string, string]>((resolve) =>
      client.once('message', (topic, payload) => resolve([topic, payload.toString()])),
    );
    await client.publishAsync('TopicA/B', 'hello', { qos: 1 });
    expect(await received).toEqual(['TopicA/B', 'hello']);
    await client.endAsync();

    gw.child.kill('SIGTERM');
    expect(await gw.exit).toEqual({ code: 0, signal: null });
    expect(gw.stderr()).toBe('');
  });

  it('gateway --conformance --mqtt-port 0 takes a free port, and SIGINT stops it too', async () => {
    const gw = start(['gateway', '--conformance', '--mqtt-port', '0', '--mqtt-host', '127.0.0.1']);
    const port = Number((await until('the listening line', () => LISTENING.exec(gw.stdout())))[1]);
    expect(port).toBeGreaterThan(0);
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { protocolVersion: 4, reconnectPeriod: 0 });
    await client.endAsync();
    gw.child.kill('SIGINT');
    expect(await gw.exit).toEqual({ code: 0, signal: null });
  });

  it('gateway --conformance on a taken port says so and exits 1', async () => {
    const port = await occupiedPort();
    const r = await aisle('gateway', '--conformance', '--mqtt-port', String(port));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`MQTT port ${port} on 127.0.0.1 is already in use`);
  });
});

describe('aisle devices', () => {
  it('adds devices with a secret shown once that verifies against the registry, lists and removes them', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'aisle-cli-')), 'devices.json');
    expect((await aisle('devices', 'add', '--registry', path, '--id', 'scanner-a', '--family', 'ble')).stderr).toMatch(
      /give --store/,
    );
    const added = await aisle(
      'devices',
      'add',
      '--registry',
      path,
      '--id',
      'scanner-a',
      '--family',
      'ble',
      '--store',
      's1',
    );
    expect(added.code).toBe(0);
    const secret = added.stdout.match(/shown once\): (\S+)/)?.[1];
    expect(secret).toBeDefined();
    const registry = DeviceRegistryFile.parse(JSON.parse(readFileSync(path, 'utf8')));
    expect(readFileSync(path, 'utf8')).not.toContain(secret!);
    expect(verifySecret(secret!, registry.devices[0]!.secretHash)).toBe(true);

    expect((await aisle('devices', 'add', '--registry', path, '--id', 'scanner-a', '--family', 'ble')).code).toBe(2);
    expect((await aisle('devices', 'add', '--registry', path, '--id', 'x', '--family', 'radio')).stderr).toMatch(
      /--family must be one of ble/,
    );
    expect((await aisle('devices', 'add', '--registry', path, '--id', 'monitor', '--service')).code).toBe(0);
    expect((await aisle('devices', 'list', '--registry', path)).stdout).toMatch(
      /store s1\nble +scanner-a\nservice monitor/,
    );
    expect((await aisle('devices', 'remove', '--registry', path, '--id', 'scanner-a')).code).toBe(0);
    expect((await aisle('devices', 'list', '--registry', path)).stdout).not.toMatch(/scanner-a/);
  });
});

describe('aisle recsys', () => {
  it('predicts top-k lists for every user through the served ONNX model, never repeating their history', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aisle-recsys-'));
    const data = join(dir, 'seq.txt');
    // 40 users walking a ring of 12 items: after item i comes i+1
    const lines = Array.from({ length: 40 }, (_, u) => {
      const start = u % 12;
      return [u + 1, ...Array.from({ length: 5 }, (_, j) => ((start + j) % 12) + 1)].join(' ');
    });
    writeFileSync(data, `${lines.join('\n')}\n`);
    const out = join(dir, 'preds.jsonl');
    const run = await aisle('recsys', 'predict', '--data', data, '--format', 'seq', '--k', '3', '--out', out);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/train seq-knn +\d+\.\d\d s/);
    expect(run.stderr).toMatch(/tune blend +\d+\.\d\d s/);
    const preds = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { user: string; items: string[] });
    expect(preds).toHaveLength(40);
    for (const [u, p] of preds.entries()) {
      const history = lines[u]!.split(' ').slice(1, -1);
      expect(p.user).toBe(String(u + 1));
      expect(p.items).toHaveLength(3);
      expect(p.items.some((i) => history.includes(i))).toBe(false);
    }
    // the ring is learnt: the item after the last one seen comes first
    const next = (i: string) => String((Number(i) % 12) + 1);
    const hits = preds.filter((p, u) => p.items[0] === next(lines[u]!.split(' ').at(-2)!)).length;
    expect(hits).toBeGreaterThanOrEqual(36);
  });

  it('predicts next baskets from a history file, keeping the file’s id type', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aisle-recsys-'));
    const data = join(dir, 'history.json');
    // every user buys their own staple (100 + u) each time, plus item 1 now and then
    const history = Object.fromEntries(
      Array.from({ length: 30 }, (_, u) => [String(u), [[-1], [100 + u, 1], [100 + u], [100 + u, 2], [-1]]]),
    );
    writeFileSync(data, JSON.stringify(history));
    const out = join(dir, 'preds.json');
    const run = await aisle(
      'recsys',
      'predict',
      ...['--data', data, '--format', 'nbr', '--k', '2', '--out', out, '--model', 'next-basket'],
    );
    expect(run.code).toBe(0);
    const preds = JSON.parse(readFileSync(out, 'utf8')) as Record<string, number[]>;
    expect(Object.keys(preds)).toHaveLength(30);
    for (let u = 0; u < 30; u++) {
      expect(preds[String(u)]).toHaveLength(2);
      expect(preds[String(u)]![0]).toBe(100 + u); // their own repeat purchase first, as a number
    }
  });

  it('trains the hybrid from an event log and writes a model folder the serving module loads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aisle-recsys-'));
    const data = join(dir, 'events.jsonl');
    // 60 shoppers: each views item i, touches i+1 and buys i+2 (a ring of 15 items), an hour apart
    const types = ['view', 'touch', 'purchase'] as const;
    const lines = Array.from({ length: 60 }, (_, u) =>
      types.map((type, j) =>
        JSON.stringify({
          customerId: `c${u}`,
          itemId: `sku-${(u + j) % 15}`,
          type,
          ts: 1_700_000_000_000 + j * 3_600_000,
        }),
      ),
    ).flat();
    writeFileSync(data, `${lines.join('\n')}\n`);
    const out = join(dir, 'model');
    const run = await aisle('recsys', 'train', '--data', data, '--format', 'events', '--out', out);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/wrote hybrid /);
    const card = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    expect(card.kind).toBe('hybrid');
    expect(card.data).toMatchObject({ events: 180, users: 60, items: 15 });
    expect(card.metrics['validation.hitRate@10']).toBeGreaterThan(0.9);
    const served = await loadRecommender(out);
    try {
      const [first] = await served.recommend({ history: ['sku-3', 'sku-4'] }, 3);
      expect(first?.itemId).toBe('sku-5');
    } finally {
      await served.close();
    }
  });

  it('explains a missing or unsupported format and a malformed file', async () => {
    expect((await aisle('recsys', 'predict', '--data', 'x', '--format', 'csv')).stderr).toMatch(/--format csv/);
    const dir = mkdtempSync(join(tmpdir(), 'aisle-recsys-'));
    const data = join(dir, 'bad.txt');
    writeFileSync(data, '1 2 3\n2 x 4\n');
    const run = await aisle('recsys', 'eval', '--data', data, '--format', 'seq');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/bad\.txt:2/);
  });
});

describe('aisle decisions ope', () => {
  it('estimates a candidate policy from the gateway’s decision log, and refuses bad policies', async () => {
    const dbPath = join(mkdtempSync(join(tmpdir(), 'aisle-cli-')), 'gateway.db');
    const store = new GatewayStore(dbPath);
    const insert = store.db.prepare(
      `INSERT INTO decisions (id, at, zone_id, trigger, personalized, model_version, arm, propensity, context, items,
         reward) VALUES (?, ?, 'beauty', 'zone', 1, 'v1', ?, 0.5, ?, '[]', ?)`,
    );
    // a uniform logging policy over two arms; 'top' earns 0.4 of the time, 'promotion' 0.1
    for (let i = 0; i < 400; i++) {
      const arm = i % 2 ? 'top' : 'promotion';
      const reward = arm === 'top' ? Number(i % 10 < 4) : Number(i % 20 === 0);
      insert.run(`d-${i}`, 1_000 + i, arm, JSON.stringify({ bandit: 'kiosk:zone:personal' }), reward);
    }
    store.close();
    const run = start(['decisions', 'ope', '--db', dbPath, '--policy', 'top', '--json']);
    expect((await run.exit).code).toBe(0);
    const est = JSON.parse(run.stdout()) as { n: number; snips: number; snips_ci: [number, number]; logged: number };
    expect(est.n).toBe(400);
    expect(est.snips).toBeCloseTo(0.4, 2);
    expect(est.logged).toBeCloseTo(0.25, 2);
    expect(est.snips_ci[0]).toBeLessThan(0.4);
    expect(est.snips_ci[1]).toBeGreaterThan(0.4);

    const bad = start(['decisions', 'ope', '--db', dbPath, '--policy', '{"*":{"hero":1}}']);
    expect((await bad.exit).code).toBe(2);
    expect(bad.stderr()).toMatch(/unknown arm "hero"/);
    const missing = start(['decisions', 'ope', '--db', join(tmpdir(), 'no-such-gateway.db'), '--policy', 'top']);
    expect((await missing.exit).code).toBe(1);
  });
});

describe('aisle screens', () => {
  it('pairs a screen with a new token shown once (only its hash is stored), and pairing again replaces it', async () => {
    const dbPath = join(mkdtempSync(join(tmpdir(), 'aisle-cli-')), 'gateway.db');
    const first = await aisle('screens', 'pair', '--db', dbPath, '--screen', 'kiosk-1', '--kind', 'kiosk');
    expect(first.code).toBe(0);
    const token = first.stdout.trim();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const hashOf = (t: string) => createHash('sha256').update(t).digest('hex');
    const rows = () => {
      const store = new GatewayStore(dbPath);
      try {
        return store.db.prepare('SELECT screen_id, kind, token_hash FROM screen_tokens').all();
      } finally {
        store.close();
      }
    };
    expect(rows()).toEqual([{ screen_id: 'kiosk-1', kind: 'kiosk', token_hash: hashOf(token) }]);
    const again = await aisle('screens', 'pair', '--db', dbPath, '--screen', 'kiosk-1', '--kind', 'kiosk');
    const next = again.stdout.trim();
    expect(next).not.toBe(token);
    expect(rows()).toEqual([{ screen_id: 'kiosk-1', kind: 'kiosk', token_hash: hashOf(next) }]);
    const bad = await aisle('screens', 'pair', '--db', dbPath, '--screen', 'kiosk-1', '--kind', 'tv');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--kind/);
  });

  it('adds and replaces staff with hashed PINs, and refuses a PIN another staff member has', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'aisle-cli-')), 'staff.json');
    const add = (...args: string[]) => aisle('screens', 'staff-pin', '--file', file, ...args);
    expect((await add('--id', 'minji', '--name', 'Minji', '--role', 'associate', '--pin', '1234')).code).toBe(0);
    expect((await add('--id', 'junho', '--name', 'Junho', '--role', 'manager', '--pin', '9999')).code).toBe(0);
    expect((await add('--id', 'minji', '--name', 'Minji K', '--role', 'associate', '--pin', '2468')).code).toBe(0);
    const clash = await add('--id', 'seoyeon', '--name', 'Seoyeon', '--role', 'associate', '--pin', '9999');
    expect(clash.code).toBe(2);
    expect(clash.stderr).toMatch(/already has this PIN/);
    expect((await add('--id', 'x', '--name', 'X', '--role', 'associate', '--pin', '12')).code).toBe(2);
    const staff = StaffFile.parse(JSON.parse(readFileSync(file, 'utf8')));
    expect(staff.map((s) => [s.id, s.name, s.role])).toEqual([
      ['minji', 'Minji K', 'associate'],
      ['junho', 'Junho', 'manager'],
    ]);
    expect(readFileSync(file, 'utf8')).not.toMatch(/2468|9999/);
    expect(await verifyPin('2468', staff[0]!.pinHash)).toBe(true);
    expect(await verifyPin('1234', staff[0]!.pinHash)).toBe(false);
    expect(await verifyPin('9999', staff[1]!.pinHash)).toBe(true);
  });
});
