import type { ActionParameterSpec, ActionParameterType, ControlAction } from './control-action.js';

/** Checks of action definitions at start-up and of request parameters on each call. */

/** An action or parameter definition passed to the control server is invalid. */
export class InvalidActionDefinitionError extends Error {
  override readonly name = 'InvalidActionDefinitionError';
}

/** Names of actions and parameters, in snake_case as the control protocol requires. */
const SNAKE_CASE_NAME = /^[a-z][a-z0-9_]*$/;

const PARAMETER_TYPES: ReadonlySet<ActionParameterType> = new Set(['string', 'number', 'int', 'boolean', 'duration']);

/**
 * The `ActionParameter.type` strings sent by ListActions. The protocol lists "string", "int",
 * "bool" and "duration".
 */
// NOTE: the protocol has no type for decimal numbers, so `number` parameters are listed as "number".
const WIRE_PARAMETER_TYPES: Record<ActionParameterType, string> = {
  string: 'string',
  number: 'number',
  int: 'int',
  boolean: 'bool',
  duration: 'duration',
};

const INT_VALUE = /^[+-]?\d+$/;
const DURATION_VALUE = /^\d+(\.\d+)?(ms|s|m|h)$/;

/** Returns the type name ListActions sends for a parameter type. */
export function wireParameterType(type: ActionParameterType): string {
  return WIRE_PARAMETER_TYPES[type];
}

/** Throws InvalidActionDefinitionError for a bad name, a duplicate, or an unknown parameter type. */
export function validateActionDefinitions(actions: ControlAction[]): void {
  const seen = new Set<string>();
  for (const action of actions) {
    if (!SNAKE_CASE_NAME.test(action.name)) {
      throw new InvalidActionDefinitionError(`action name "${action.name}" must be snake_case (lowercase letters, digits and _)`);
    }
    if (seen.has(action.name)) throw new InvalidActionDefinitionError(`action "${action.name}" is defined twice`);
    seen.add(action.name);
    validateParameterDefinitions(action.name, action.parameters ?? []);
  }
}

function validateParameterDefinitions(actionName: string, parameters: ActionParameterSpec[]): void {
  const seen = new Set<string>();
  for (const parameter of parameters) {
    if (!SNAKE_CASE_NAME.test(parameter.name)) {
      throw new InvalidActionDefinitionError(`parameter name "${parameter.name}" of action ${actionName} must be snake_case`);
    }
    if (seen.has(parameter.name)) throw new InvalidActionDefinitionError(`parameter "${parameter.name}" of action ${actionName} is defined twice`);
    if (!PARAMETER_TYPES.has(parameter.type)) {
      throw new InvalidActionDefinitionError(
        `parameter "${parameter.name}" of action ${actionName} has type "${String(parameter.type)}"; expected one of ${[...PARAMETER_TYPES].join(', ')}`,
      );
    }
    seen.add(parameter.name);
  }
}

/**
 * Returns why `parameters` do not fit the action (a missing required parameter, an unknown
 * parameter, or a value of the wrong type), or undefined when they fit.
 */
export function findParameterProblem(action: ControlAction, parameters: Record<string, string>): string | undefined {
  const specs = action.parameters ?? [];

  for (const spec of specs) {
    const value = parameters[spec.name];
    if (spec.required && (value === undefined || value === '')) {
      return `missing required parameter "${spec.name}" of action ${action.name}`;
    }
  }

  for (const [name, value] of Object.entries(parameters)) {
    const spec = specs.find((candidate) => candidate.name === name);
    if (spec === undefined) {
      const accepted = specs.length === 0 ? 'it accepts no parameters' : `it accepts ${specs.map((candidate) => candidate.name).join(', ')}`;
      return `unknown parameter "${name}" for action ${action.name}; ${accepted}`;
    }
    if (value === '' && !spec.required) continue;
    if (!matchesType(spec.type, value)) {
      return `parameter "${name}" of action ${action.name} must be ${describeType(spec.type)}, got "${value}"`;
    }
  }

  return undefined;
}

function matchesType(type: ActionParameterType, value: string): boolean {
  switch (type) {
    case 'string':
      return true;
    case 'number':
      return value.trim() !== '' && Number.isFinite(Number(value));
    case 'int':
      return INT_VALUE.test(value);
    case 'boolean':
      return value === 'true' || value === 'false';
    case 'duration':
      return DURATION_VALUE.test(value);
  }
}

function describeType(type: ActionParameterType): string {
  switch (type) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'int':
      return 'a whole number';
    case 'boolean':
      return '"true" or "false"';
    case 'duration':
      return 'a duration such as 500ms, 30s, 5m or 1h';
  }
}
