/**
 * Fields that carry personal data wherever they appear in a log line: every service's pino logger redacts them
 * (`redact: { paths: PERSONAL_LOG_FIELDS }`), one level deep too. Ids that are pseudonyms by design (a shopper ref,
 * a decision id) are not here; raw identifiers, contact details and names are.
 */
const FIELDS = [
  'deviceId',
  'shopperDeviceId',
  'customerId',
  'loyaltyId',
  'email',
  'phone',
  'firstName',
  'identifiers',
  'advertisement',
  'token',
] as const;

export const PERSONAL_LOG_FIELDS: readonly string[] = [...FIELDS, ...FIELDS.map((f) => `*.${f}`)];
