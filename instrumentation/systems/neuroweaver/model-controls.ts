import type { ActionOutcome, ActionRequest, ControlAction } from '../../node/control-server.js';
import type { ModelRegistry, ServedModel } from './model-registry.js';

/**
 * NeuroWeaver's recovery actions. Both take the model from the `model` parameter, else from the
 * request's target component. Without either, `switch_model` acts on every model whose serving
 * copy is crashed or slow, and `restart_model` on every model with a crashed or slow copy.
 */

export function createModelControls(registry: ModelRegistry): ControlAction[] {
  return [
    {
      name: 'switch_model',
      description: 'Moves a model off its failing copy onto its healthy other copy. A named model with a healthy primary moves to its backup.',
      idempotent: true,
      parameters: [
        { name: 'model', type: 'string', required: false, description: 'The model, for example "gpt-small". Default: every model whose serving copy is failing.' },
      ],
      handler: (request) => switchModel(registry, request),
    },
    {
      name: 'restart_model',
      description: 'Reloads a model, which clears a crash or slowness of both copies, and serves the primary copy again.',
      idempotent: true,
      parameters: [{ name: 'model', type: 'string', required: false, description: 'The model, for example "gpt-small". Default: every model with a failing copy.' }],
      handler: (request) => restartModel(registry, request),
    },
  ];
}

function switchModel(registry: ModelRegistry, request: ActionRequest): ActionOutcome {
  const selection = selectModels(registry, request, () => registry.failingModels());
  if (selection.kind === 'rejected') return selection.outcome;
  if (selection.models.length === 0) return { outcome: 'already_applied', message: 'no model is failing, so none was switched' };

  const preferBackup = selection.named;
  const switched: string[] = [];
  const stuck: string[] = [];
  for (const model of selection.models) {
    const result = registry.switchCopy(model, preferBackup);
    if (result === 'switched') switched.push(`${model.name} to ${registry.servingCopy(model).name} (${model.serving})`);
    if (result === 'no_healthy_copy') stuck.push(model.name);
  }

  const stuckNote = stuck.length === 0 ? '' : `; both copies of ${stuck.join(', ')} are failing, so restart_model must reload them`;
  if (switched.length > 0) return { outcome: 'applied', message: `switched ${switched.join(', ')}${stuckNote}` };
  if (stuck.length > 0) return { outcome: 'rejected', message: `switched no model${stuckNote}` };
  return { outcome: 'already_applied', message: `${names(selection.models)} already serve a healthy copy` };
}

function restartModel(registry: ModelRegistry, request: ActionRequest): ActionOutcome {
  const selection = selectModels(registry, request, () => registry.brokenModels());
  if (selection.kind === 'rejected') return selection.outcome;
  if (selection.models.length === 0) return { outcome: 'already_applied', message: 'no model has a failing copy, so none was restarted' };

  for (const model of selection.models) registry.restart(model);
  return { outcome: 'applied', message: `restarted ${names(selection.models)}; each serves its primary copy again` };
}

/** The models an action applies to; `named` is true when the request named the model. */
type ModelSelection = { kind: 'selected'; models: ServedModel[]; named: boolean } | { kind: 'rejected'; outcome: ActionOutcome };

function selectModels(registry: ModelRegistry, request: ActionRequest, defaultModels: () => ServedModel[]): ModelSelection {
  const named = request.parameters.model ?? request.targetComponent;
  if (named === '') return { kind: 'selected', models: defaultModels(), named: false };

  const model = registry.find(named);
  if (model === undefined) {
    return { kind: 'rejected', outcome: { outcome: 'rejected', message: `unknown model ${JSON.stringify(named)}; models are ${registry.names().join(', ')}` } };
  }
  return { kind: 'selected', models: [model], named: true };
}

function names(models: readonly ServedModel[]): string {
  return models.map((model) => model.name).join(', ');
}
