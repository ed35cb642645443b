import { PERSONAL_LOG_FIELDS } from '@aisle/contracts/logging';
import pino, { type Logger } from 'pino';

/** Fields that may carry personal data; pino replaces them wherever they appear. */
export const REDACT_PATHS = [...PERSONAL_LOG_FIELDS];

export function createLogger(level = 'info', destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination);
}
