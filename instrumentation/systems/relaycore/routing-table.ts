/**
 * RelayCore's routing table: which provider serves each model. Routes name providers by name,
 * so a route can name a provider that does not exist, which the `corrupted_route` fault does.
 */
export class RoutingTable {
  readonly #routes: Map<string, string>;

  constructor(routes: Readonly<Record<string, string>>) {
    this.#routes = new Map(Object.entries(routes));
  }

  /** Returns the provider name of `model`'s route, or undefined when no route exists. */
  providerOf(model: string): string | undefined {
    return this.#routes.get(model);
  }

  /** Points the route of `model` at `provider`. */
  setRoute(model: string, provider: string): void {
    this.#routes.set(model, provider);
  }

  models(): string[] {
    return [...this.#routes.keys()];
  }

  /** Returns the routes as `{model: provider}`. */
  snapshot(): Record<string, string> {
    return Object.fromEntries(this.#routes);
  }
}
