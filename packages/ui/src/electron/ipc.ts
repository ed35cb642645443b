/**
 * The shell's IPC between main and preload: channel names and the zod schemas both sides
 * parse with. Main accepts a message only from a frame of the screen's own origin and only
 * when it parses; the preload checks what the page passes in and what main sends out.
 */
import { z } from 'zod';
import { isAllowedNavigation } from './hardening';
import type { NfcTagRead, ShellHealthReport } from './shell-info';

export const IPC_CHANNELS = {
  /** page → main: `ShellHealth`. */
  health: 'aisle:health',
  /** main → page: `NfcTag`. */
  nfc: 'aisle:nfc',
} as const;

export const ShellHealth = z
  .object({
    state: z.enum(['connecting', 'online', 'offline', 'refused']),
    detail: z.string().max(200).optional(),
  })
  .strict() satisfies z.ZodType<ShellHealthReport>;

/** Printable ASCII without spaces, within the bounds `IdentifyRequest` puts on an NFC code. */
export const NfcTag = z
  .object({
    code: z
      .string()
      .min(4)
      .max(64)
      .regex(/^[!-~]+$/, 'printable ASCII without spaces'),
  })
  .strict() satisfies z.ZodType<NfcTagRead>;

export type IpcVerdict<T> = { ok: true; value: T } | { ok: false; reason: string };

export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`).join('; ');
}

/** Parses `payload` with `schema`; the reason names what was wrong. */
export function parsePayload<T>(schema: z.ZodType<T>, payload: unknown): IpcVerdict<T> {
  const parsed = schema.safeParse(payload);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, reason: `invalid payload (${describeIssues(parsed.error)})` };
}

/**
 * Main's check of a message from a page: the sending frame must still exist and show a page
 * of the screen's origin (`startUrl`'s), and the payload must parse.
 */
export function acceptFromPage<T>(
  schema: z.ZodType<T>,
  startUrl: string,
  senderFrame: { readonly url: string } | null | undefined,
  payload: unknown,
): IpcVerdict<T> {
  if (!senderFrame) return { ok: false, reason: 'the sending frame is gone' };
  if (!isAllowedNavigation(startUrl, senderFrame.url))
    return { ok: false, reason: `sender ${JSON.stringify(senderFrame.url)} is not of the screen's origin` };
  return parsePayload(schema, payload);
}
