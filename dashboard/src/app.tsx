import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiClient } from './api/api-client.js';
import { describeError } from './api/api-errors.js';
import type { UiConfig } from './api/wire-types.js';
import { TokenForm } from './auth/token-form.js';
import { clearToken, loadToken, saveToken } from './auth/token-store.js';
import { Dashboard } from './dashboard.js';

/**
 * The page's start-up:
 * - `loading`: `GET /api/v1/ui-config` has not responded;
 * - `unreachable`: it failed; the page offers to try again;
 * - `token_required`: the server requires a token and the tab has none, or the last one was rejected;
 * - `ready`: the dashboard runs, with the token when auth is on.
 */
type Phase =
  | { kind: 'loading' }
  | { kind: 'unreachable'; message: string }
  | { kind: 'token_required'; uiConfig: UiConfig; reason: string | undefined }
  | { kind: 'ready'; uiConfig: UiConfig; token: string | undefined };

export function App() {
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });

  const load = useCallback(() => {
    setPhase({ kind: 'loading' });
    new ApiClient(undefined)
      .uiConfig()
      .then((uiConfig) => {
        const token = loadToken();
        if (uiConfig.authRequired && token === undefined) setPhase({ kind: 'token_required', uiConfig, reason: undefined });
        else setPhase({ kind: 'ready', uiConfig, token: uiConfig.authRequired ? token : undefined });
      })
      .catch((error: unknown) => setPhase({ kind: 'unreachable', message: describeError(error) }));
  }, []);

  useEffect(load, [load]);

  switch (phase.kind) {
    case 'loading':
      return <p class="boot" role="status">Loading Faultline…</p>;
    case 'unreachable':
      return (
        <main id="main" class="token-page">
          <h1>Faultline is not reachable</h1>
          <p class="error" role="alert">{phase.message}</p>
          <button type="button" onClick={load}>
            Try again
          </button>
        </main>
      );
    case 'token_required':
      return (
        <TokenForm
          reason={phase.reason}
          onSubmit={(token) => {
            saveToken(token);
            setPhase({ kind: 'ready', uiConfig: phase.uiConfig, token });
          }}
        />
      );
    case 'ready':
      return (
        <Dashboard
          key={phase.token ?? 'no-auth'}
          uiConfig={phase.uiConfig}
          token={phase.token}
          onSignOut={(reason) => {
            clearToken();
            setPhase({ kind: 'token_required', uiConfig: phase.uiConfig, reason });
          }}
        />
      );
  }
}
