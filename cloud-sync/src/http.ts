import type { ApiError } from '@aisle/contracts';
import type { z } from 'zod';

/** A request the service refuses: status, a stable code and, for validation failures, the failing fields. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly issues?: readonly z.core.$ZodIssue[],
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function apiError(code: string, message: string, issues?: readonly z.core.$ZodIssue[]): ApiError {
  return {
    error: {
      code,
      message,
      ...(issues && { issues: issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`) }),
    },
  };
}

/** Parses a path parameter, query or body with its contract; a mismatch is a 400 with `code` and the issues. */
export function parseOr400<T>(schema: z.ZodType<T>, value: unknown, code: string, message: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new HttpError(400, code, message, parsed.error.issues);
  return parsed.data;
}

export const notFound = (message: string) => new HttpError(404, 'not_found', message);
