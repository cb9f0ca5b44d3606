import type { ServiceGraphSnapshot } from '../correlation/service-graph.js';
import type { PathHop } from '../correlation/verdict.js';

/** Returns the part of the graph around one service: its edges in both directions and the nodes at their ends. */
export function neighbourhoodOf(graph: ServiceGraphSnapshot, center: PathHop): ServiceGraphSnapshot {
  const isCenter = (hop: PathHop): boolean => hop.service === center.service && hop.system === center.system;
  const edges = graph.edges.filter((edge) => isCenter(edge.caller) || isCenter(edge.callee));

  const keys = new Set([keyOf(center), ...edges.flatMap((edge) => [keyOf(edge.caller), keyOf(edge.callee)])]);
  const nodes = graph.nodes.filter((node) => keys.has(keyOf(node)));
  return { nodes, edges, droppedEntries: graph.droppedEntries };
}

function keyOf(hop: PathHop): string {
  return `${hop.system}\u0000${hop.service}`;
}
