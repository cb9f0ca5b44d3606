import type { RootCauseCandidate, ServiceEdge } from '../api/wire-types.js';
import { formatPercent, formatTime, systemLabel } from '../format.js';

export function CandidatesTable({ candidates }: { candidates: RootCauseCandidate[] }) {
  if (candidates.length === 0) return <p class="muted">No candidates were recorded.</p>;
  return (
    <div class="table-scroll">
      <table>
        <thead>
          <tr>
            <th scope="col" class="number">Rank</th>
            <th scope="col">Service</th>
            <th scope="col">Operation</th>
            <th scope="col">Error kind</th>
            <th scope="col" class="number">Confidence</th>
            <th scope="col">Why</th>
            <th scope="col">Fingerprint</th>
          </tr>
        </thead>
        <tbody>
          {candidates.map((candidate, index) => (
            <tr key={`${candidate.spanId}-${index}`}>
              <td class="number">{index + 1}</td>
              <th scope="row">
                {candidate.service} <span class="muted">({systemLabel(candidate.system)})</span>
              </th>
              <td>{candidate.operation}</td>
              <td>{candidate.errorKind}</td>
              <td class="number">{formatPercent(candidate.confidence)}</td>
              <td>{candidate.reason.replace(/_/g, ' ')}</td>
              <td>
                <code>{candidate.fingerprint}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Lists the edges of a service graph with calls and errors, marking failing edges with a word and a symbol. */
export function EdgesTable({ edges }: { edges: ServiceEdge[] }) {
  if (edges.length === 0) return <p class="muted">No calls between services were seen.</p>;
  return (
    <div class="table-scroll">
      <table class="edges-table">
        <thead>
          <tr>
            <th scope="col">Caller</th>
            <th scope="col">Callee</th>
            <th scope="col" class="number">Calls</th>
            <th scope="col" class="number">Errors</th>
            <th scope="col">Last call</th>
          </tr>
        </thead>
        <tbody>
          {edges.map((edge) => (
            <tr key={`${edge.caller.system}/${edge.caller.service}->${edge.callee.system}/${edge.callee.service}`} class={edge.errors > 0 ? 'failing' : undefined}>
              <td>
                {edge.caller.service} <span class="muted">({systemLabel(edge.caller.system)})</span>
              </td>
              <td>
                {edge.callee.service} <span class="muted">({systemLabel(edge.callee.system)})</span>
              </td>
              <td class="number">{edge.calls}</td>
              <td class="number">
                {edge.errors > 0 ? (
                  <span class="badge outcome-bad">
                    <span aria-hidden="true">✕ </span>
                    {edge.errors} errors
                  </span>
                ) : (
                  '0'
                )}
              </td>
              <td>{formatTime(edge.lastSeenAtMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Sample trace ids, linked to the tracing backend when the server gave a URL template. */
export function SampleTraces({ traceIds, template }: { traceIds: string[]; template: string | null }) {
  if (traceIds.length === 0) return <p class="muted">No sample traces.</p>;
  return (
    <ul class="mono-list">
      {[...traceIds].reverse().map((traceId) => (
        <li key={traceId}>
          {template === null ? (
            <code>{traceId}</code>
          ) : (
            <a href={template.replaceAll('{traceId}', encodeURIComponent(traceId))} target="_blank" rel="noopener noreferrer">
              <code>{traceId}</code>
              <span class="visually-hidden"> (opens the tracing backend in a new tab)</span>
            </a>
          )}
        </li>
      ))}
    </ul>
  );
}
