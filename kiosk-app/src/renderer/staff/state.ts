import type { CustomerCard, CustomerInStore, StaffInsights, StaffLoginResult, StaffRole } from '@aisle/contracts';

export type StaffLoginError =
  | { reason: 'wrongPin' | 'invalid' | 'failed' }
  /** `until`: local time the gateway allows the next try; null when it did not say. */
  | { reason: 'locked'; until: number | null };

/** What the staff screen holds beside the pushed snapshot; all of it is dropped at log-out. */
export interface StaffView {
  me: { name: string; role: StaffRole } | null;
  pin: string;
  loggingIn: boolean;
  loginError: StaffLoginError | null;
  /** Why the screen logged out by itself (the gateway forgets a login when the connection drops). */
  notice: 'sessionEnded' | null;
  customers: CustomerInStore[] | null;
  customersError: boolean;
  card:
    | { state: 'loading'; customerRef: string }
    | { state: 'open'; card: CustomerCard }
    | { state: 'error'; customerRef: string }
    | null;
  insights: { state: 'loading' } | { state: 'ok'; insights: StaffInsights } | { state: 'error' } | null;
  /** The request whose update the gateway did not accept. */
  requestError: string | null;
}

export const INITIAL_STAFF_VIEW: StaffView = Object.freeze<StaffView>({
  me: null,
  pin: '',
  loggingIn: false,
  loginError: null,
  notice: null,
  customers: null,
  customersError: false,
  card: null,
  insights: null,
  requestError: null,
});

/** The login error to show for a refused login (a failure without a reason: no answer from the gateway). */
export function loginErrorOf(
  result: Extract<StaffLoginResult, { ok: false }> | { ok: false; message: string },
  now: number,
): StaffLoginError {
  if (!('reason' in result)) return { reason: 'failed' };
  if (result.reason === 'locked')
    return { reason: 'locked', until: result.retryAfterMs === undefined ? null : now + result.retryAfterMs };
  return { reason: result.reason };
}
