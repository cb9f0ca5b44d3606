import type { SpanRecord } from '../model/span.js';
import type { KnownServices } from './known-services.js';
import type { PathHop } from './verdict.js';

/**
 * The peer attribute that named the callee of a client span, strongest first:
 * - `peer_service`: `peer.service`, the name the caller gave the remote service;
 * - `known_address`: `server.address` (with `server.port`) of a service that sent spans;
 * - `rpc_service`: `rpc.service`, the RPC interface name;
 * - `server_address`: `server.address` of a host that sent no spans;
 * - `db_system`: `db.system.name` or `db.system` of a database or cache;
 * - `messaging_system`: `messaging.system` of a message broker.
 */
export type CalleeEvidence =
  | 'peer_service'
  | 'known_address'
  | 'rpc_service'
  | 'server_address'
  | 'db_system'
  | 'messaging_system';

/** The service a client or producer span called, as far as its attributes tell. */
export interface Callee {
  hop: PathHop;
  evidence: CalleeEvidence;
}

/**
 * Names the callee of a client or producer span, or returns undefined when the span carries
 * no peer attribute. A known service's address beats `rpc.service`, because it gives the
 * callee's `service.name` and system, which incidents and recovery policies match on.
 */
export function findCallee(span: SpanRecord, knownServices: KnownServices): Callee | undefined {
  const peer = span.peer;
  const known = findKnownService(span, knownServices);
  if (peer.service !== '') {
    const system = known?.service === peer.service ? known.system : '';
    return { hop: { service: peer.service, system }, evidence: 'peer_service' };
  }
  if (known !== undefined) return { hop: known, evidence: 'known_address' };

  if (peer.rpcService !== '') return { hop: { service: peer.rpcService, system: '' }, evidence: 'rpc_service' };
  if (peer.address !== '') return { hop: { service: peer.address, system: '' }, evidence: 'server_address' };
  if (peer.dbSystem !== '') return { hop: { service: peer.dbSystem, system: '' }, evidence: 'db_system' };
  if (peer.messagingSystem !== '') return { hop: { service: peer.messagingSystem, system: '' }, evidence: 'messaging_system' };
  return undefined;
}

/** Looks the span's `server.address:server.port` up, then `server.address` alone. */
export function findKnownService(span: SpanRecord, knownServices: KnownServices): PathHop | undefined {
  const { address, port } = span.peer;
  if (address === '') return undefined;
  if (port > 0) {
    const withPort = knownServices.serviceAt(`${address}:${port}`);
    if (withPort !== undefined) return withPort;
  }
  return knownServices.serviceAt(address);
}

/**
 * Names the operation a client span asked its callee for: `rpc.service/rpc.method`, the
 * database operation, or else the span name.
 */
export function findPeerOperation(span: SpanRecord): string {
  const method = span.attributes['rpc.method'];
  if (typeof method === 'string' && method !== '' && span.peer.rpcService !== '') return `${span.peer.rpcService}/${method}`;

  const dbOperation = span.attributes['db.operation.name'] ?? span.attributes['db.operation'];
  if (typeof dbOperation === 'string' && dbOperation !== '') return dbOperation;
  return span.name;
}
