import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { until } from './wait';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const SURFACES = ['kiosk', 'mirror', 'staff', 'cloud', 'mqtt'] as const;
export type Surface = (typeof SURFACES)[number];

export interface RunningDemo {
  child: ChildProcess;
  /** Everything `npm start` printed so far. */
  output(): string;
  urls: Record<Surface, string>;
  /** ms from spawn until the last URL line. */
  startupMs: number;
  /** Sends a signal to the whole process group, as a terminal's Ctrl-C does, and waits for `npm start` to end. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs `npm start` exactly as a user does, in its own process group, and resolves once
 * it has printed a URL for every surface.
 */
export async function startDemoStore(env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<RunningDemo> {
  const started = Date.now();
  const child = spawn('npm', ['start', '--silent'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const urls = {} as Record<Surface, string>;
  try {
    await until(
      'the five URLs from npm start',
      () => {
        if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${out}`);
        for (const s of SURFACES) {
          const m = out.match(new RegExp(`^${s}: (\\S+)$`, 'm'));
          if (m) urls[s] = m[1]!;
        }
        return SURFACES.every((s) => urls[s]);
      },
      timeoutMs,
      100,
    );
  } catch (err) {
    killGroup(child.pid!, 'SIGKILL');
    throw err;
  }
  const startupMs = Date.now() - started;
  return {
    child,
    output: () => out,
    urls,
    startupMs,
    async stop(signal: NodeJS.Signals = 'SIGINT') {
      killGroup(child.pid!, signal);
      return exited;
    },
  };
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

/** Processes still alive in a process group (ps, as a user would check). */
export function processesInGroup(pgid: number): string[] {
  const lines = execFileSync('ps', ['-eo', 'pid=,pgid=,args='], { encoding: 'utf8' }).split('\n');
  return lines.filter((l) => l.trim().split(/\s+/)[1] === String(pgid));
}
