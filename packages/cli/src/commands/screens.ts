import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DeviceId, ScreenKind, StaffRole } from '@aisle/contracts';
import { hashPin, StaffFile, verifyPin } from '@aisle/contracts/credentials';
import { pairScreenInDatabase } from '@aisle/edge-gateway';
import { type Command, parsing, UsageError } from '../command';

const help = `Usage: aisle screens pair --db <gateway.db> --screen <id> --kind <kiosk|mirror|staff>
       aisle screens staff-pin --file <staff.json> --id <id> --name <name> --role <associate|manager> --pin <digits>

pair       Pairs a screen with the gateway: prints a new device token once (only its hash is stored).
           Open the screen with ?screen=<id>&store=<storeId>&token=<token>. Pairing again replaces the
           old token, which stops working for new connections.
staff-pin  Adds a staff member who may log in on staff screens, or replaces their name, role and PIN
           (4 to 8 digits, stored as a salted scrypt hash). The gateway reads the file (AISLE_STAFF_FILE)
           on every login, so no restart is needed.

Options:
  --db <file>      the gateway's SQLite database (AISLE_DB; default data/gateway.db)
  --screen <id>    the screen's id in the floor plan
  --kind <kind>    kiosk, mirror or staff
  --file <file>    the staff file (AISLE_STAFF_FILE; default data/staff.json); created if missing
  --id, --name, --role, --pin   the staff member`;

function required(value: string | undefined, name: string): string {
  if (!value) throw new UsageError(`--${name} is required`, 'screens');
  return value;
}

function pair(values: Record<string, string | undefined>): number {
  const screenId = required(values.screen, 'screen');
  if (!DeviceId.safeParse(screenId).success)
    throw new UsageError(`--screen "${screenId}" is not a device id`, 'screens');
  const kind = ScreenKind.safeParse(values.kind);
  if (!kind.success) throw new UsageError('--kind must be kiosk, mirror or staff', 'screens');
  const token = pairScreenInDatabase(required(values.db, 'db'), screenId, kind.data);
  console.log(token);
  console.error(`paired ${kind.data} ${screenId}; the token is shown only now`);
  return 0;
}

async function staffPin(values: Record<string, string | undefined>): Promise<number> {
  const file = required(values.file, 'file');
  const id = required(values.id, 'id');
  if (!DeviceId.safeParse(id).success) throw new UsageError(`--id "${id}" is not a valid id`, 'screens');
  const name = required(values.name, 'name');
  if (name.length > 40) throw new UsageError('--name is longer than 40 characters', 'screens');
  const role = StaffRole.safeParse(values.role);
  if (!role.success) throw new UsageError('--role must be associate or manager', 'screens');
  const pin = required(values.pin, 'pin');
  if (!/^[0-9]{4,8}$/.test(pin)) throw new UsageError('--pin must be 4 to 8 digits', 'screens');
  let staff: StaffFile = [];
  if (existsSync(file)) {
    try {
      staff = StaffFile.parse(JSON.parse(readFileSync(file, 'utf8')));
    } catch (err) {
      throw new Error(`${file} is not a staff file: ${(err as Error).message.slice(0, 300)}`);
    }
  }
  const others = staff.filter((s) => s.id !== id);
  // a PIN says who logs in, so two staff members cannot share one
  for (const s of others)
    if (await verifyPin(pin, s.pinHash)) throw new UsageError(`another staff member already has this PIN`, 'screens');
  const entry = { id, name, role: role.data, pinHash: hashPin(pin) };
  const next = staff.some((s) => s.id === id) ? staff.map((s) => (s.id === id ? entry : s)) : [...staff, entry];
  writeFileSync(file, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  console.log(`${staff.length === next.length ? 'updated' : 'added'} ${role.data} ${name} (${id}) in ${file}`);
  return 0;
}

export const screens: Command = {
  name: 'screens',
  summary: 'pair screens with the gateway (device tokens) and set staff PINs',
  help,
  async run(args) {
    const { values, positionals } = parsing('screens', () =>
      parseArgs({
        args,
        options: {
          db: { type: 'string', default: process.env.AISLE_DB ?? 'data/gateway.db' },
          screen: { type: 'string' },
          kind: { type: 'string' },
          file: { type: 'string', default: process.env.AISLE_STAFF_FILE ?? 'data/staff.json' },
          id: { type: 'string' },
          name: { type: 'string' },
          role: { type: 'string' },
          pin: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
        strict: true,
        allowPositionals: true,
      }),
    );
    if (values.help) {
      console.log(help);
      return 0;
    }
    const [sub, ...rest] = positionals;
    if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`, 'screens');
    const { help: _help, ...strings } = values;
    if (sub === 'pair') return pair(strings);
    if (sub === 'staff-pin') return staffPin(strings);
    throw new UsageError('the subcommands are `pair` and `staff-pin`', 'screens');
  },
};
