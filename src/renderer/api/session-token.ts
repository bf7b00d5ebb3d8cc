/**
 * Browser mode's session token: it arrives in the URL fragment (#token=...), which
 * browsers never send to servers. The page keeps it in sessionStorage (so a reload
 * still works) and removes it from the address bar. Pure helpers, unit-tested.
 */
export const TOKEN_KEY = 'facial-studio.token';

export function tokenFromHash(hash: string): string | undefined {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const t = params.get('token');
  return t && /^[A-Za-z0-9_-]{8,256}$/.test(t) ? t : undefined;
}

/** The hash without the token (other fragment parameters kept). */
export function hashWithoutToken(hash: string): string {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  params.delete('token');
  const rest = params.toString();
  return rest ? `#${rest}` : '';
}

/** Which token to use: a fresh one in the URL wins over the stored one. */
export function resolveToken(hash: string, stored: string | null): { token?: string; fromHash: boolean } {
  const fresh = tokenFromHash(hash);
  if (fresh) return { token: fresh, fromHash: true };
  return { token: stored ?? undefined, fromHash: false };
}

/** Reconnect delay: 250 ms doubling to 8 s, with up to 20% jitter from `rand` (0..1). */
export function backoffMs(attempt: number, rand = 0.5): number {
  const base = Math.min(8000, 250 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.9 + 0.2 * rand));
}
