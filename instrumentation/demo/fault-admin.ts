/**
 * Client of a reference system's fault-injection endpoint: `POST /faults` injects one fault,
 * `DELETE /faults` clears all of them, `GET /faults` lists the active ones. The endpoint is
 * open only when the system runs with `--enable-fault-injection`.
 */

/** The deadline of each admin request. The endpoint only flips a switch, so it responds at once. */
const ADMIN_REQUEST_TIMEOUT_MS = 5_000;

export class FaultAdminError extends Error {
  override readonly name = 'FaultAdminError';
}

/** Injects `fault`, optionally into one model, provider or worker named by `target`. */
export async function injectFault(adminUrl: string, fault: string, target?: string): Promise<void> {
  const body = target === undefined ? { fault } : { fault, target };
  await sendAdminRequest(adminUrl, 'POST', JSON.stringify(body), `inject ${fault}`);
}

/** Clears every active fault of one system. */
export async function clearFaults(adminUrl: string): Promise<void> {
  await sendAdminRequest(adminUrl, 'DELETE', undefined, 'clear faults');
}

/** Returns the response body of `GET /faults`, parsed as JSON. */
export async function listFaults(adminUrl: string): Promise<unknown> {
  const response = await sendAdminRequest(adminUrl, 'GET', undefined, 'list faults');
  return response.json();
}

async function sendAdminRequest(adminUrl: string, method: string, body: string | undefined, what: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(`${adminUrl}/faults`, {
      method,
      body,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      signal: AbortSignal.timeout(ADMIN_REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    throw new FaultAdminError(`${what} at ${adminUrl}/faults failed: ${describeError(error)}`, { cause: error });
  }
  if (!response.ok) {
    throw new FaultAdminError(`${what} at ${adminUrl}/faults failed with HTTP ${response.status}: ${await response.text()}`);
  }
  return response;
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}
