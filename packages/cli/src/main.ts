import { parseArgs } from 'node:util';
import { type Command, parsing, UsageError } from './command';
import { audit } from './commands/audit';
import { decisions } from './commands/decisions';
import { devices } from './commands/devices';
import { fairness } from './commands/fairness';
import { gateway } from './commands/gateway';
import { recsys } from './commands/recsys';
import { screens } from './commands/screens';
import { train } from './commands/train';

/** Every subcommand, in the order `aisle --help` lists them. Add new ones (`aisle recsys …`) here. */
const commands: readonly Command[] = [gateway, devices, screens, decisions, recsys, train, fairness, audit];

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: aisle <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    '  -h, --help  show this help; `aisle <command> --help` shows a command’s',
    '',
    'Exit codes: 0 done, 1 failed, 2 wrong usage.',
  ].join('\n');
}

/** Runs `aisle` with these arguments (without node and the script) and resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    // options before the command are aisle's own; everything after it belongs to the command
    const at = argv.findIndex((a) => !a.startsWith('-'));
    const { values } = parsing(undefined, () =>
      parseArgs({
        args: at < 0 ? argv : argv.slice(0, at),
        options: { help: { type: 'boolean', short: 'h' } },
        strict: true,
        allowPositionals: false,
      }),
    );
    if (at < 0) {
      if (!values.help) throw new UsageError('a command is required');
      console.log(help());
      return 0;
    }
    const name = argv[at]!;
    const args = argv.slice(at + 1);
    if (name === 'help') {
      // `aisle help [command]`
      if (args.length === 0) {
        console.log(help());
        return 0;
      }
      return await main([args[0]!, '--help']);
    }
    const command = commands.find((c) => c.name === name);
    if (!command) throw new UsageError(`unknown command '${name}'`);
    if (values.help) {
      console.log(command.help);
      return 0;
    }
    return await command.run(args);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`aisle: ${err.message}`);
      console.error(`Run 'aisle ${err.command ? `${err.command} ` : ''}--help' for usage.`);
      return 2;
    }
    // a failure of the work itself (bad data file, unreachable port): its message says what and where
    console.error(`aisle: ${err instanceof Error ? err.message : String(err)}`);
    if (process.env.AISLE_DEBUG) console.error(err);
    return 1;
  }
}
