import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ApiClient } from './api/api-client.js';
import type { StreamState } from './api/event-stream.js';
import type { UiConfig } from './api/wire-types.js';
import type { TokenIdentity } from './auth/token-claims.js';
import type { LiveIncidents } from './state/live-incidents.js';
import type { StatusHistory } from './state/status-history.js';

/** The state every view reads: the API client, the signed-in identity and the live data. */
export interface Session {
  client: ApiClient;
  uiConfig: UiConfig;
  /** Undefined when auth is off. */
  identity: TokenIdentity | undefined;
  /** True for operators, and for everyone when auth is off; the server still checks every action. */
  canOperate: boolean;
  incidents: LiveIncidents;
  status: StatusHistory;
  streamState: StreamState;
  /** Drops the token and shows the token form again; called on any 401. */
  signOut(reason?: string): void;
}

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === undefined) throw new Error('useSession must be called inside a SessionContext provider');
  return session;
}
