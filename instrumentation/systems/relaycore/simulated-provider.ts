import { setTimeout as delay } from 'node:timers/promises';
import type { Completion, CompletionRequest, Provider } from './provider.js';

/** The latency of a simulated provider's response. */
const SIMULATED_LATENCY_MS = 5;

/**
 * A provider simulated inside RelayCore that serves any model after a short latency. It plays
 * the part of a hosted model API. RelayCore's `provider_outage` fault injects its outage.
 */
export class SimulatedProvider implements Provider {
  readonly name: string;

  constructor(name: string) {
    this.name = name;
  }

  serves(): boolean {
    return true;
  }

  async complete(request: CompletionRequest): Promise<Completion> {
    await delay(SIMULATED_LATENCY_MS);
    return { output: `${this.name} completed a prompt of ${request.prompt.length} characters for ${request.model}`, servedBy: this.name };
  }

  close(): void {}
}
