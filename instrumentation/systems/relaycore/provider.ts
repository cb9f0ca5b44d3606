/** A completion request as RelayCore forwards it to a provider. */
export interface CompletionRequest {
  model: string;
  prompt: string;
}

export interface Completion {
  output: string;
  /** The model copy or backend that served the request, when the provider reports it. */
  servedBy: string;
}

/** A model provider RelayCore routes requests to. */
export interface Provider {
  readonly name: string;
  /** Tells whether the provider can serve requests for `model`. */
  serves(model: string): boolean;
  /** Runs the request; rejects with a RelayError subclass. */
  complete(request: CompletionRequest): Promise<Completion>;
  /** Releases connections. */
  close(): void;
}
