import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiClient } from './api/api-client.js';
import { UnauthorizedError } from './api/api-errors.js';
import { EventStream, type StreamState } from './api/event-stream.js';
import type { UiConfig } from './api/wire-types.js';
import { OPERATOR_ROLE, readTokenIdentity } from './auth/token-claims.js';
import type { Route } from './routing.js';
import { useRoute } from './use-route.js';
import { SessionContext, type Session } from './session.js';
import { LiveIncidents } from './state/live-incidents.js';
import { StatusHistory } from './state/status-history.js';
import { IncidentDetailView } from './views/incident-detail.js';
import { IncidentListView } from './views/incident-list.js';
import { OverviewView } from './views/overview.js';
import { ServiceGraphView } from './views/service-graph-view.js';

/** How often the overview's counters are read; rates are computed between two readings. */
export const STATUS_POLL_INTERVAL_MS = 2_000;

const DEFAULT_ROLES_CLAIM = 'roles';
const REJECTED_TOKEN_MESSAGE = 'The server rejected the token (expired, wrong signature or wrong audience). Enter a new one.';

interface DashboardProps {
  uiConfig: UiConfig;
  token: string | undefined;
  onSignOut: (reason?: string) => void;
}

const STREAM_LABELS: Record<StreamState, { symbol: string; text: string }> = {
  connecting: { symbol: '…', text: 'connecting' },
  live: { symbol: '●', text: 'live' },
  waiting: { symbol: '↻', text: 'reconnecting' },
  unauthorized: { symbol: '✕', text: 'signed out' },
};

/** Renders the signed-in page: header, navigation and the view the hash selects, fed by one event stream. */
export function Dashboard({ uiConfig, token, onSignOut }: DashboardProps) {
  const route = useRoute();
  const [streamState, setStreamState] = useState<StreamState>('connecting');
  const [announcement, setAnnouncement] = useState('');
  const [, setStatusVersion] = useState(0);

  const session = useMemo<Omit<Session, 'streamState'>>(() => {
    const client = new ApiClient(token);
    const identity = token === undefined ? undefined : readTokenIdentity(token, uiConfig.rolesClaim ?? DEFAULT_ROLES_CLAIM);
    const signOut = (reason?: string): void => onSignOut(reason ?? REJECTED_TOKEN_MESSAGE);
    return {
      client,
      uiConfig,
      identity,
      canOperate: token === undefined || (identity?.roles.includes(OPERATOR_ROLE) ?? false),
      incidents: new LiveIncidents(client, () => signOut(), setAnnouncement),
      status: new StatusHistory(),
      signOut,
    };
  }, [token, uiConfig, onSignOut]);

  useEffect(() => {
    const stream = new EventStream(session.client, {
      onOpen: () => void session.incidents.refresh(),
      onEvent: (event) => session.incidents.handleEvent(event),
      onStateChange: (state) => {
        setStreamState(state);
        if (state === 'unauthorized') session.signOut();
      },
    });
    return () => {
      stream.close();
      session.incidents.close();
    };
  }, [session]);

  useEffect(() => {
    const poll = (): void => {
      session.client
        .status()
        .then((status) => {
          session.status.add(status, Date.now());
          setStatusVersion((version) => version + 1);
        })
        .catch((error: unknown) => {
          if (error instanceof UnauthorizedError) session.signOut();
        });
    };
    poll();
    const timer = setInterval(poll, STATUS_POLL_INTERVAL_MS);
    return () => clearInterval(timer);
  }, [session]);

  useFocusOnViewChange(route);

  const stream = STREAM_LABELS[streamState];
  return (
    <SessionContext.Provider value={{ ...session, streamState }}>
      <a class="skip-link" href="#main" onClick={focusMain}>
        Skip to content
      </a>
      <header class="top-bar">
        <span class="brand">Faultline</span>
        <nav aria-label="Views">
          <NavLink href="#/" label="Overview" current={route.view === 'overview'} />
          <NavLink href="#/incidents" label="Incidents" current={route.view === 'incidents' || route.view === 'incident'} />
          <NavLink href="#/graph" label="Service graph" current={route.view === 'graph'} />
        </nav>
        <span class={`stream stream-${streamState}`} title="Connection to the event stream">
          <span aria-hidden="true">{stream.symbol} </span>
          {stream.text}
        </span>
        {session.identity !== undefined && (
          <span class="identity">
            {session.identity.subject === '' ? 'signed in' : session.identity.subject} ({session.canOperate ? 'operator' : 'viewer'})
            <button type="button" class="link-button" onClick={() => onSignOut('Signed out.')}>
              Sign out
            </button>
          </span>
        )}
      </header>
      <div class="visually-hidden" aria-live="polite" role="status">
        {announcement}
      </div>
      <main id="main" tabIndex={-1}>
        <RouteView route={route} />
      </main>
    </SessionContext.Provider>
  );
}

function RouteView({ route }: { route: Route }) {
  switch (route.view) {
    case 'overview':
      return <OverviewView />;
    case 'incidents':
      return <IncidentListView filter={route.filter} />;
    case 'incident':
      return <IncidentDetailView key={route.id} id={route.id} />;
    case 'graph':
      return <ServiceGraphView />;
    case 'not_found':
      return (
        <section>
          <h1>Page not found</h1>
          <p>
            Nothing is at <code>{route.hash}</code>. Go to the <a href="#/">overview</a>.
          </p>
        </section>
      );
  }
}

function NavLink({ href, label, current }: { href: string; label: string; current: boolean }) {
  return (
    <a href={href} aria-current={current ? 'page' : undefined}>
      {label}
    </a>
  );
}

/**
 * Moves focus to the main region when another view opens, so keyboard and screen-reader users
 * start at the new content. Filter changes inside a view keep the focus where it is.
 */
function useFocusOnViewChange(route: Route): void {
  const viewKey = route.view === 'incident' ? `incident:${route.id}` : route.view;
  const previousKey = useRef(viewKey);
  useEffect(() => {
    if (previousKey.current === viewKey) return;
    previousKey.current = viewKey;
    document.getElementById('main')?.focus();
  }, [viewKey]);
}

/** Moves focus to the main region without changing the hash, which contains the route. */
function focusMain(event: Event): void {
  event.preventDefault();
  document.getElementById('main')?.focus();
}
