import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/*
 * The "my data" page: one self-contained HTML document (no build step) whose script and styles are inlined and
 * allowed by their hashes in the Content-Security-Policy, so nothing else can run on it, it loads nothing from
 * elsewhere and it talks only to this cloud.
 */

const asset = (name: string) => readFileSync(new URL(name, import.meta.url), 'utf8');
const hash = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

let built: { html: string; csp: string } | undefined;

/** The page and its CSP (read from browser.js / browser.css once). */
export function myDataPage(): { html: string; csp: string } {
  if (built) return built;
  const script = asset('./browser.js');
  const style = asset('./browser.css');
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<link rel="icon" href="data:,">
<title>Your data at Aisle</title>
<style>${style}</style>
</head>
<body>
<main>
<div id="app"><p>Loading…</p></div>
<p id="notice" role="status" aria-live="polite" data-testid="md-notice"></p>
<noscript><p>This page needs JavaScript to show your data. 이 페이지는 JavaScript가 필요합니다.</p></noscript>
</main>
<script>${script}</script>
</body>
</html>
`;
  const csp = [
    "default-src 'none'",
    `script-src ${hash(script)}`,
    `style-src ${hash(style)}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  built = { html, csp };
  return built;
}
