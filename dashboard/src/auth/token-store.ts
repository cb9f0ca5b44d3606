/** The bearer token, kept in sessionStorage only: it goes away with the tab and never reaches disk storage shared by tabs. */
const TOKEN_KEY = 'faultline.token';

export function loadToken(): string | undefined {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
  } catch {
    // Storage is blocked (a sandboxed frame, a privacy setting): the token lives only in memory.
    return undefined;
  }
}

export function saveToken(token: string): void {
  try {
    sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // Storage is blocked; the page still works until it is reloaded.
  }
}

export function clearToken(): void {
  try {
    sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Nothing was stored.
  }
}
