// The vendor's "e-mail the results", as an optional webhook: one JSON POST of the summary to a
// URL read from a Secret file. The URL may carry a token: it never appears in a log or result.
import { readSecretFile } from '../../contract/step-config.js';

export type WebhookOutcome = { sent: true; status: number } | { sent: false; error: string };

export async function postWebhook(
  urlFile: string,
  body: unknown,
  options: { timeoutMs?: number; read?: (f: string) => Promise<string> } = {},
): Promise<WebhookOutcome> {
  let url: URL;
  try {
    url = new URL((await (options.read ?? readSecretFile)(urlFile)).trim());
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      sent: false,
      error: code ? `cannot read the webhook URL file (${code})` : 'the webhook URL is not a URL',
    };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { sent: false, error: `the webhook URL must be http or https, not ${url.protocol}` };
  }
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      redirect: 'error',
    });
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) return { sent: false, error: `the webhook answered HTTP ${res.status}` };
    return { sent: true, status: res.status };
  } catch (err) {
    // fetch errors may quote the URL: say only what kind of failure it was.
    const e = err as Error & { cause?: { code?: string } };
    return { sent: false, error: `the webhook could not be reached (${e.cause?.code ?? e.name})` };
  }
}
