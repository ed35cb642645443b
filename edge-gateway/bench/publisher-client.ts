import { type ChildProcess, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchReply, BenchRequest, Envelope, RunResult } from './protocol';

const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const entry = fileURLToPath(new URL('./publisher.ts', import.meta.url));

/** The publisher process (publisher.ts) and a request/reply channel to it over IPC. */
export async function startPublisher(readyTimeoutMs = 30_000) {
  const child: ChildProcess = fork(entry, [], {
    execArgv: ['--import', tsx],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve(r: BenchReply): void; reject(e: Error): void }>();
  let nextId = 1;
  let exited: string | undefined;

  const ready = new Promise<void>((resolve, reject) => {
    pending.set(0, { resolve: () => resolve(), reject });
  });
  child.on('message', (raw) => {
    const r = raw as BenchReply;
    const p = pending.get(r.id);
    pending.delete(r.id);
    p?.resolve(r);
  });
  child.on('exit', (code, signal) => {
    exited = `publisher process exited (${signal ?? `code ${code}`})`;
    for (const p of pending.values()) p.reject(new Error(exited));
    pending.clear();
  });
  child.on('error', (err) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  });

  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ready,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('publisher process did not start in time')), readyTimeoutMs);
      }),
    ]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  } finally {
    clearTimeout(timer);
  }

  async function request(req: BenchRequest): Promise<RunResult | undefined> {
    if (exited) throw new Error(exited);
    const id = nextId++;
    const reply = await new Promise<BenchReply>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      child.send({ id, request: req } satisfies Envelope);
    });
    if (!reply.ok) throw new Error(`publisher: ${reply.error}`);
    return reply.result;
  }

  return {
    pid: child.pid,
    request,
    async run(target: string, rate: number, durationMs: number): Promise<RunResult> {
      const r = await request({ type: 'run', target, rate, durationMs });
      if (!r) throw new Error('publisher: run returned no result');
      return r;
    },
    /** Ends the process (it also exits by itself when this one goes away). */
    async stop(): Promise<void> {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        const kill = setTimeout(() => child.kill('SIGKILL'), 3_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        if (child.connected) child.disconnect();
        else child.kill('SIGTERM');
      });
    },
  };
}
export type Publisher = Awaited<ReturnType<typeof startPublisher>>;
