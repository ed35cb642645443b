/** One `aisle <name> …` subcommand; `main.ts` lists them. */
export interface Command {
  readonly name: string;
  /** One line for `aisle --help`. */
  readonly summary: string;
  /** The whole of `aisle <name> --help`. */
  readonly help: string;
  /** Runs with the arguments after the command's name; resolves with the process exit code. */
  run(args: string[]): Promise<number>;
}

/** The command line is wrong: `main` prints the message and a pointer to `--help`, and exits 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The subcommand whose `--help` to point at, if any. */
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Runs a node:util `parseArgs` call and turns its errors (unknown option, missing value,
 * unexpected argument) into a UsageError with a short message.
 */
export function parsing<T>(command: string | undefined, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) {
      // node's messages go on with advice about `--`; the first sentence is the point
      const first = (err as Error).message.split(/\.(?:\s|$)/)[0] ?? (err as Error).message;
      throw new UsageError(first.charAt(0).toLowerCase() + first.slice(1), command);
    }
    throw err;
  }
}
