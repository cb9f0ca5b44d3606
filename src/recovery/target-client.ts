import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen } from 'cockatiel';
import type { CircuitBreakerPolicy } from 'cockatiel';
import type { Logger } from 'pino';
import type { TargetConfig } from './config.js';
import { ActionRejectedError, ControlCallError, NoHealthyEndpointError } from './control-call-error.js';
import type { ExecuteActionRequestMessage, ExecuteActionResponseMessage } from './control-protocol.js';
import { EndpointChannel } from './endpoint-channel.js';
import { EndpointHealth } from './endpoint-health.js';

/**
 * The client of one configured target: a channel per endpoint, endpoint health checks that pick
 * where calls go, and a circuit breaker over all of its calls.
 */

/**
 * The breaker of a target:
 * - `closed`: calls go through;
 * - `open`: too many consecutive failures; calls fail fast until `half_open_after` passes;
 * - `half_open`: one test call is going through; its result closes or reopens the breaker;
 * - `isolated`: held open by hand.
 */
export type BreakerState = 'closed' | 'open' | 'half_open' | 'isolated';

const BREAKER_STATES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Isolated]: 'isolated',
};

/** One successful call: the endpoint that sent the response, and the response. */
export interface ControlCallResult {
  endpoint: string;
  response: ExecuteActionResponseMessage;
}

export class TargetClient {
  private readonly channels: EndpointChannel[];
  private readonly health: EndpointHealth;
  private readonly breaker: CircuitBreakerPolicy;

  constructor(
    readonly name: string,
    private readonly config: TargetConfig,
    private readonly logger: Logger,
  ) {
    const credentials = createCredentials(config);
    this.channels = config.endpoints.map((address) => new EndpointChannel(address, credentials));
    this.health = new EndpointHealth({ target: name, channels: this.channels, intervalMs: config.health_check_interval, checkTimeoutMs: config.timeout, logger });
    this.breaker = circuitBreaker(
      handleWhen((error) => error instanceof ControlCallError && error.countsAgainstTarget),
      { halfOpenAfter: config.breaker.half_open_after, breaker: new ConsecutiveBreaker(config.breaker.failure_threshold) },
    );
    this.breaker.onStateChange((state) => logger.warn({ target: name, state: BREAKER_STATES[state] }, 'circuit breaker state changed'));
  }

  get breakerState(): BreakerState {
    return BREAKER_STATES[this.breaker.state];
  }

  /** The endpoint the next call goes to, or undefined when none is healthy. */
  get currentEndpoint(): string | undefined {
    return this.health.pick()?.address;
  }

  startHealthChecks(): void {
    this.health.start();
  }

  /** Runs one round of health checks now; tests and start-up use it to avoid waiting an interval. */
  checkHealthNow(): Promise<void> {
    return this.health.checkAll();
  }

  /**
   * Sends one `ExecuteAction` through the breaker, to the first healthy endpoint. Rejects with
   * NoHealthyEndpointError, BrokenCircuitError (breaker open), ControlCallError (gRPC status) or
   * ActionRejectedError (outcome REJECTED or UNSPECIFIED).
   */
  async execute(request: ExecuteActionRequestMessage, headers: Record<string, string>): Promise<ControlCallResult> {
    let channel = this.health.pick();
    if (channel === undefined) {
      // The periodic check may be stale, for example when the system started after Faultline.
      await this.health.checkAll();
      channel = this.health.pick();
    }
    if (channel === undefined) throw new NoHealthyEndpointError(this.name);

    return this.breaker.execute(async () => {
      try {
        const response = await channel.executeAction(request, headers, this.config.timeout);
        if (response.outcome === 'OUTCOME_REJECTED' || response.outcome === 'OUTCOME_UNSPECIFIED') {
          throw new ActionRejectedError(channel.address, response.message);
        }
        return { endpoint: channel.address, response };
      } catch (error) {
        if (error instanceof ControlCallError && error.code === grpc.status.UNAVAILABLE) this.health.markUnreachable(channel);
        throw error;
      }
    });
  }

  /** Stops health checks, cancels open calls and closes every channel. */
  close(): void {
    this.health.stop();
    for (const channel of this.channels) channel.close();
  }
}

function createCredentials(config: TargetConfig): grpc.ChannelCredentials {
  if (config.tls.insecure || config.tls.ca_file === undefined) return grpc.credentials.createInsecure();
  const rootCerts = readFileSync(config.tls.ca_file);
  const key = config.tls.key_file === undefined ? null : readFileSync(config.tls.key_file);
  const cert = config.tls.cert_file === undefined ? null : readFileSync(config.tls.cert_file);
  return grpc.credentials.createSsl(rootCerts, key, cert);
}
