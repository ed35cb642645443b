import type { ScreenKind } from '@aisle/contracts';
import { type ReactNode, useEffect, useState } from 'react';
import { readScreenParams, type ScreenParams } from '../connection/params';
import type { ScreenSnapshot } from '../connection/ScreenConnection';
import type { AisleShellInfo } from '../electron/shell-info';
import { LanguageProvider } from '../i18n/I18nProvider';
import { OfflineBadge, StatusBar } from './StatusBar';
import { RefusalNotice } from './Zone';

/** What the Electron preload exposed as `window.aisle`, or null in a plain browser. */
export function readShellInfo(): AisleShellInfo | null {
  const info = (globalThis as { aisle?: Partial<AisleShellInfo> }).aisle;
  return info?.shell === 'electron' ? (info as AisleShellInfo) : null;
}

/**
 * Page root of a screen: reads `?screen=`, `?gateway=` and `?lang=` once, provides the
 * language, and marks `<html data-shell>` with the shell the page runs in.
 */
export function ScreenRoot({ kind, children }: { kind: ScreenKind; children: (params: ScreenParams) => ReactNode }) {
  const [params] = useState(() => readScreenParams(window.location.search, kind, navigator.language));
  useEffect(() => {
    document.documentElement.dataset.shell = readShellInfo()?.shell ?? 'browser';
  }, []);
  return <LanguageProvider initialLang={params.lang}>{children(params)}</LanguageProvider>;
}

/** Layout every screen shares: status bar, offline badge, and the refusal notice in place of the content. */
export function ScreenFrame({
  kind,
  screenId,
  snapshot,
  storeName = snapshot.store?.storeName ?? null,
  children,
}: {
  kind: ScreenKind;
  screenId: string;
  snapshot: ScreenSnapshot;
  storeName?: string | null;
  children: ReactNode;
}) {
  return (
    <div
      className={`aisle-screen aisle-theme-${kind}`}
      data-screen={kind}
      data-screen-id={screenId}
      data-last-seq={snapshot.lastSeq}
    >
      <StatusBar state={snapshot.state} storeName={storeName} />
      <OfflineBadge state={snapshot.state} />
      {snapshot.refusal ? <RefusalNotice refusal={snapshot.refusal} screenId={screenId} /> : children}
    </div>
  );
}
