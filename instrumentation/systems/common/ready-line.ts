/**
 * The line a reference system prints to stdout once every server it runs accepts connections.
 * It is the only line a system writes to stdout; logs go to stderr.
 */
export interface ReadyLine {
  /** The system, as `service.namespace` names it, for example `NeuroWeaver`. */
  system: string;
  /** The `service.name` the process reports. */
  service: string;
  /** `host:port` of the system's API. */
  api: string;
  /** `host:port` of the gRPC control endpoint. */
  control: string;
  /** `host:port` of the fault admin server, or null when fault injection is off. */
  admin: string | null;
}

/** Prints the ready line as one JSON line on stdout. */
export function printReadyLine(line: ReadyLine): void {
  process.stdout.write(`${JSON.stringify({ msg: 'ready', ...line })}\n`);
}
