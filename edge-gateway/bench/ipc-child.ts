import { type ChildProcess, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** Every reply of a bench child process: to request `id`, a result or an error. */
export type ChildReply<R> = { id: number; ok: true; result?: R } | { id: number; ok: false; error: string };

/**
 * A bench helper process (a .ts file beside this one, run with tsx) and a request/reply channel to it over IPC.
 * The child answers `{ id: 0 }` when ready, then `{ id, ok, result | error }` per request; any other message it
 * sends (with a `type`) goes to `onOther`.
 */
export async function startChild<Req, Res, Other = never>(
  file: string,
  name: string,
  opts: { readyTimeoutMs?: number; onOther?: (m: Other) => void } = {},
) {
  const child: ChildProcess = fork(fileURLToPath(new URL(file, import.meta.url)), [], {
    execArgv: ['--import', tsx],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve(r: ChildReply<Res>): void; reject(e: Error): void }>();
  let nextId = 1;
  let exited: string | undefined;
  const ready = new Promise<void>((resolve, reject) => pending.set(0, { resolve: () => resolve(), reject }));
  child.on('message', (raw) => {
    const m = raw as ChildReply<Res> | (Other & { type: string });
    if ('type' in m) return opts.onOther?.(m as Other);
    const p = pending.get(m.id);
    pending.delete(m.id);
    p?.resolve(m);
  });
  const failAll = (err: Error) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  child.on('exit', (code, signal) => {
    exited = `${name} process exited (${signal ?? `code ${code}`})`;
    failAll(new Error(exited));
  });
  child.on('error', failAll);

  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ready,
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${name} process did not start in time`)),
          opts.readyTimeoutMs ?? 30_000,
        );
      }),
    ]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  } finally {
    clearTimeout(timer);
  }

  return {
    pid: child.pid,
    /** Sends a request; resolves with its result, rejects with the child's error. */
    async request(request: Req): Promise<Res | undefined> {
      if (exited) throw new Error(exited);
      const id = nextId++;
      const reply = await new Promise<ChildReply<Res>>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        child.send({ id, request });
      });
      if (!reply.ok) throw new Error(`${name}: ${reply.error}`);
      return reply.result;
    },
    /** Ends the process: it closes its connections and exits when the IPC channel goes (SIGKILL after 3 s). */
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
