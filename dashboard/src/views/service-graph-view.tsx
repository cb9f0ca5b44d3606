import { useEffect, useMemo, useState } from 'preact/hooks';
import { describeError, UnauthorizedError } from '../api/api-errors.js';
import type { ServiceGraphSnapshot } from '../api/wire-types.js';
import { GraphCanvas } from '../components/graph-canvas.js';
import { serviceGraphModel } from '../components/graph-model.js';
import { formatPercent, formatTime, systemLabel } from '../format.js';
import { useSession } from '../session.js';
import { useDocumentTitle } from './document-title.js';
import { EdgesTable } from './incident-tables.js';

/** The graph is read again this often while the view is open. */
const REFRESH_INTERVAL_MS = 10_000;

/** Renders every service and dependency seen since start, with calls and errors per edge. */
export function ServiceGraphView() {
  const session = useSession();
  const [graph, setGraph] = useState<ServiceGraphSnapshot | undefined>(undefined);
  const [loadError, setLoadError] = useState<string | undefined>(undefined);
  useDocumentTitle('Service graph');

  useEffect(() => {
    const load = (): void => {
      session.client
        .serviceGraph()
        .then((loaded) => {
          // Redrawing an unchanged graph would reset the drawing for nothing.
          setGraph((current) => (JSON.stringify(current) === JSON.stringify(loaded) ? current : loaded));
          setLoadError(undefined);
        })
        .catch((error: unknown) => {
          if (error instanceof UnauthorizedError) session.signOut();
          else setLoadError(describeError(error));
        });
    };
    load();
    const timer = setInterval(load, REFRESH_INTERVAL_MS);
    return () => clearInterval(timer);
  }, [session]);

  const model = useMemo(() => (graph === undefined ? undefined : serviceGraphModel(graph)), [graph]);

  return (
    <>
      <h1>Service graph</h1>
      {loadError !== undefined && (
        <p class="error" role="alert">
          {loadError}
        </p>
      )}
      {graph === undefined || model === undefined ? (
        <p role="status">Loading…</p>
      ) : graph.nodes.length === 0 ? (
        <p class="muted">No service has sent traces yet.</p>
      ) : (
        <>
          <p class="muted">Dashed edges with an “errors” label had failing calls. Boxes group services by system.</p>
          <GraphCanvas model={model} heightPx={440} label={`${graph.nodes.length} services and ${graph.edges.length} dependencies; the tables below list them.`} />
          {graph.droppedEntries > 0 && (
            <p class="warning">
              <span aria-hidden="true">⚠ </span>
              {graph.droppedEntries} services or edges were not added because the graph is full.
            </p>
          )}
          <h2>Dependencies</h2>
          <EdgesTable edges={graph.edges} />
          <h2>Services</h2>
          <div class="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Service</th>
                  <th scope="col">System</th>
                  <th scope="col" class="number">Traces</th>
                  <th scope="col" class="number">Failed traces</th>
                  <th scope="col">Last seen</th>
                </tr>
              </thead>
              <tbody>
                {graph.nodes.map((node) => (
                  <tr key={`${node.system}/${node.service}`}>
                    <th scope="row">{node.service}</th>
                    <td>{systemLabel(node.system)}</td>
                    <td class="number">{node.traces}</td>
                    <td class="number">
                      {node.failedTraces} {node.traces > 0 && <span class="muted">({formatPercent(node.failedTraces / node.traces)})</span>}
                    </td>
                    <td>{formatTime(node.lastSeenAtMs)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </>
  );
}
