import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createWriteStream, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface Service {
  name: string;
  child: ChildProcess;
  logFile: string;
  /** The service's JSON log lines as they arrive (also written to logFile). */
  lines: EventEmitter<{ line: [Record<string, unknown>] }>;
}

/** Runs a TypeScript entry point as its own Node process, its output going to a log file. */
export function startService(name: string, entry: string, env: NodeJS.ProcessEnv, logFile: string): Service {
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, ['--import', tsx, entry], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const lines = new EventEmitter<{ line: [Record<string, unknown>] }>();
  createInterface({ input: child.stdout! }).on('line', (text) => {
    try {
      const entry = JSON.parse(text);
      if (entry && typeof entry === 'object') lines.emit('line', entry);
    } catch {
      // not a log line (a stack trace, a warning from Node); the log file has it
    }
  });
  return { name, child, logFile, lines };
}

/**
 * Resolves with the service's first log line whose message is `msg` (its "ready" line,
 * carrying the addresses it actually bound), or rejects when the process exits or the time runs out.
 * Reading the bound ports from the service itself leaves no window in which another process
 * could take a port chosen in advance.
 */
export function waitForLog(service: Service, msg: string, timeoutMs: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const done = (fn: () => void) => {
      clearTimeout(timer);
      service.lines.off('line', onLine);
      service.child.off('exit', onExit);
      fn();
    };
    const onLine = (entry: Record<string, unknown>) => {
      if (entry.msg === msg) done(() => resolve(entry));
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      done(() => reject(new Error(`${service.name} exited (${signal ?? `code ${code}`}) before "${msg}"`)));
    const timer = setTimeout(
      () => done(() => reject(new Error(`${service.name} did not log "${msg}" within ${timeoutMs / 1000} s`))),
      timeoutMs,
    );
    service.lines.on('line', onLine);
    service.child.once('exit', onExit);
  });
}

export function logTail(service: Service, lines = 15): string {
  try {
    return readFileSync(service.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Polls a URL until it answers 2xx, the process exits, or the time runs out. */
export async function waitHealthy(service: Service, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.child.exitCode !== null) throw new Error(`${service.name} exited with code ${service.child.exitCode}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${service.name} did not become healthy at ${url} within ${timeoutMs / 1000} s`);
}

/** SIGTERM, then SIGKILL after a grace period; resolves when the process is gone. */
export function stopService(service: Service, graceMs = 5_000): Promise<void> {
  const { child } = service;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
