import { parseArgs } from 'node:util';
import { conformancePolicy, createLogger, EmbeddedBroker, GatewayError } from '@aisle/edge-gateway/broker';
import { type Command, parsing, UsageError } from '../command';

const FULL_GATEWAY = 'npm start -w @aisle/edge-gateway';

const help = `Usage: aisle gateway --conformance --mqtt-port <port> [--mqtt-host <host>]

Starts only the edge gateway's embedded MQTT broker (MQTT 3.1.1), with the conformance policy
the Eclipse Paho interoperability suite expects: anonymous clients, any publish except to topics
starting with $, every subscription except test/nosubscribe (SUBACK 0x80), $SYS/# readable.
Not for a store: the real gateway never runs with this policy.

Options:
  --conformance        start the broker alone with the conformance policy (required for now)
  --mqtt-port <port>   TCP port to listen on; 0 for any free port (required)
  --mqtt-host <host>   address to listen on (default 127.0.0.1)
  -h, --help           show this help

The full gateway (broker, ingest, screens, sync) is started with: ${FULL_GATEWAY}

Stops on SIGINT or SIGTERM. Exit codes: 0 stopped by a signal, 1 could not listen, 2 wrong usage.`;

function parsePort(value: string): number {
  const port = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!(port >= 0 && port <= 65535))
    throw new UsageError(`--mqtt-port must be a port number from 0 to 65535, not '${value}'`, 'gateway');
  return port;
}

function waitForStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

async function run(args: string[]): Promise<number> {
  const { values } = parsing('gateway', () =>
    parseArgs({
      args,
      options: {
        conformance: { type: 'boolean' },
        'mqtt-port': { type: 'string' },
        'mqtt-host': { type: 'string', default: '127.0.0.1' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }),
  );
  if (values.help) {
    console.log(help);
    return 0;
  }
  if (!values.conformance) {
    console.error(
      `aisle gateway: the full edge gateway is not started from the CLI yet; start it with \`${FULL_GATEWAY}\`.\n` +
        'For the MQTT broker alone with the conformance policy: aisle gateway --conformance --mqtt-port <port>',
    );
    return 2;
  }
  if (values['mqtt-port'] === undefined)
    throw new UsageError('--mqtt-port is required with --conformance (0 for any free port)', 'gateway');
  const port = parsePort(values['mqtt-port']);
  const host = values['mqtt-host'];
  if (host === '') throw new UsageError('--mqtt-host must not be empty', 'gateway');

  const broker = await EmbeddedBroker.create({
    logger: createLogger(process.env.AISLE_LOG_LEVEL ?? 'warn'),
    policy: conformancePolicy,
    onMessage: () => {},
  });
  // listen for signals before listening on the port: a signal right after the "listening" line still stops cleanly
  const stopped = waitForStopSignal();
  let actualPort: number;
  try {
    actualPort = await broker.listen(host, port);
  } catch (err) {
    await broker.close();
    if (err instanceof GatewayError && err.code === 'port_in_use') {
      console.error(`aisle gateway: ${err.message}; choose another --mqtt-port (0 for any free port)`);
      return 1;
    }
    const code = (err as NodeJS.ErrnoException).code;
    console.error(`aisle gateway: cannot listen on ${host}:${port}: ${code ?? (err as Error).message}`);
    return 1;
  }
  const shownHost = host.includes(':') ? `[${host}]` : host;
  console.log(`mqtt broker (conformance mode) listening on mqtt://${shownHost}:${actualPort}`);

  const signal = await stopped;
  console.log(`mqtt broker stopping (${signal})`);
  await broker.close();
  return 0;
}

export const gateway: Command = {
  name: 'gateway',
  summary: 'the edge gateway; for now only its MQTT broker with --conformance',
  help,
  run,
};
