import * as grpc from '@grpc/grpc-js';
import { loadModelService, type ModelServiceClient, type PredictResponse } from '../neuroweaver/model-service-proto.js';
import type { Completion, CompletionRequest, Provider } from './provider.js';
import { ProviderCallError, ProviderTimeoutError, ProviderUnavailableError } from './relay-errors.js';

/**
 * The provider backed by NeuroWeaver: each request is one `Predict` call over gRPC with a
 * deadline. The gRPC instrumentation traces the call as a client span and sends the trace
 * context, so NeuroWeaver's server span joins RelayCore's trace.
 */
export class NeuroWeaverProvider implements Provider {
  readonly name = 'neuroweaver';
  readonly #client: ModelServiceClient;
  readonly #models: ReadonlySet<string>;
  readonly #deadlineMs: number;

  constructor(options: { address: string; models: readonly string[]; deadlineMs: number }) {
    const { Client } = loadModelService();
    this.#client = new Client(options.address, grpc.credentials.createInsecure());
    this.#models = new Set(options.models);
    this.#deadlineMs = options.deadlineMs;
  }

  serves(model: string): boolean {
    return this.#models.has(model);
  }

  complete(request: CompletionRequest): Promise<Completion> {
    const deadline = new Date(Date.now() + this.#deadlineMs);
    return new Promise((resolve, reject) => {
      this.#client.predict({ model: request.model, prompt: request.prompt }, { deadline }, (error, response?: PredictResponse) => {
        if (error !== null) reject(this.#toRelayError(error));
        else if (response === undefined) reject(new ProviderCallError(this.name, 'Predict returned no response'));
        else resolve({ output: response.output, servedBy: response.servedBy });
      });
    });
  }

  close(): void {
    this.#client.close();
  }

  #toRelayError(error: grpc.ServiceError): Error {
    switch (error.code) {
      case grpc.status.DEADLINE_EXCEEDED:
        return new ProviderTimeoutError(this.name, this.#deadlineMs, { cause: error });
      case grpc.status.UNAVAILABLE:
        return new ProviderUnavailableError(this.name, error.details, { cause: error });
      default:
        return new ProviderCallError(this.name, `${grpc.status[error.code]}: ${error.details}`, { cause: error });
    }
  }
}
