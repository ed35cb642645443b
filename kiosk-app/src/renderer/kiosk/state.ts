import type { HandoverResult, IdentifyResult, KioskSession, MyDataLinkResult, RecommendedItem } from '@aisle/contracts';

/** Why signing in failed, as the kiosk tells the shopper (`failed`: no answer from the gateway). */
export type IdentifyError = 'unknown' | 'invalid' | 'refused' | 'failed';

export type HandoverSent = Extract<HandoverResult, { ok: true }>;

/**
 * Everything the kiosk holds about the shopper in front of it, beside what the gateway pushes. All of it is
 * forgotten by `reset` (Done, or inactivity).
 */
export interface KioskView {
  /** `attract`: nobody has started; `identify`: the sign-in panel is open; `session`: a shopper has started. */
  mode: 'attract' | 'identify' | 'session';
  session: KioskSession | null;
  /** What the QR scanner (a keyboard wedge) or the shopper typed as card number. */
  code: string;
  phone: string;
  identifying: boolean;
  identifyError: IdentifyError | null;
  /** The item whose details are open (kept as it was tapped, even if new cards arrive meanwhile). */
  detail: RecommendedItem | null;
  why: boolean;
  handover: { state: 'none' } | { state: 'sending' } | { state: 'failed' } | { state: 'sent'; result: HandoverSent };
  /** The shopper's personal "my data" link, shown as a QR code once they ask for it. */
  myData:
    | { state: 'none' }
    | { state: 'loading' }
    | { state: 'unavailable' }
    | { state: 'ready'; url: string; expiresAt: number };
}

export const INITIAL_VIEW: KioskView = Object.freeze<KioskView>({
  mode: 'attract',
  session: null,
  code: '',
  phone: '',
  identifying: false,
  identifyError: null,
  detail: null,
  why: false,
  handover: { state: 'none' },
  myData: { state: 'none' },
});

export type KioskAction =
  | { type: 'start' }
  | { type: 'cancelIdentify' }
  | { type: 'code'; value: string }
  | { type: 'phone'; value: string }
  | { type: 'identifying' }
  | { type: 'identifyInvalid' }
  /** The gateway's answer; a failure without a reason (no answer, not connected) is `failed`. */
  | { type: 'identified'; result: IdentifyResult | { ok: false; message: string } }
  | { type: 'openDetail'; item: RecommendedItem }
  | { type: 'closeDetail' }
  | { type: 'toggleWhy' }
  | { type: 'handoverSending' }
  | { type: 'handoverResult'; result: HandoverResult }
  | { type: 'myDataLoading' }
  /** The gateway's answer; no answer at all (not connected) is `{ ok: false }` too. */
  | { type: 'myDataResult'; result: MyDataLinkResult | { ok: false; message: string } }
  | { type: 'myDataClose' }
  | { type: 'reset' };

export function kioskReducer(view: KioskView, action: KioskAction): KioskView {
  switch (action.type) {
    case 'start':
      return { ...view, mode: view.session ? 'session' : 'identify', identifyError: null };
    case 'cancelIdentify':
      return view.session ? view : INITIAL_VIEW;
    case 'code':
      return { ...view, code: action.value.slice(0, 64), identifyError: null };
    case 'phone':
      return { ...view, phone: action.value.slice(0, 24), identifyError: null };
    case 'identifying':
      return { ...view, identifying: true, identifyError: null };
    case 'identifyInvalid':
      return { ...view, identifying: false, identifyError: 'invalid' };
    case 'identified': {
      const result = action.result;
      if (result.ok) return { ...INITIAL_VIEW, mode: 'session', session: result.session };
      return { ...view, identifying: false, identifyError: 'reason' in result ? result.reason : 'failed' };
    }
    case 'openDetail':
      return { ...view, detail: action.item };
    case 'closeDetail':
      return { ...view, detail: null };
    case 'toggleWhy':
      return { ...view, why: !view.why };
    case 'handoverSending':
      return { ...view, handover: { state: 'sending' } };
    case 'handoverResult':
      return {
        ...view,
        handover: action.result.ok ? { state: 'sent', result: action.result } : { state: 'failed' },
      };
    case 'myDataLoading':
      return { ...view, myData: { state: 'loading' } };
    case 'myDataResult': {
      const result = action.result;
      if (!view.session) return view; // the shopper left while the gateway answered
      return {
        ...view,
        myData: result.ok ? { state: 'ready', url: result.url, expiresAt: result.expiresAt } : { state: 'unavailable' },
      };
    }
    case 'myDataClose':
      return { ...view, myData: { state: 'none' } };
    case 'reset':
      return INITIAL_VIEW;
  }
}

/** True while anything of a shopper is on the screen: the inactivity timer runs only then. */
export function holdsShopper(view: KioskView): boolean {
  return view.mode !== 'attract' || view.detail !== null || view.why;
}
