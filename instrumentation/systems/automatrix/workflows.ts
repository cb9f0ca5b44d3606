/** One step of a workflow: a call to RelayCore for one model. */
export interface WorkflowStep {
  name: string;
  model: string;
}

export interface Workflow {
  name: string;
  steps: readonly WorkflowStep[];
}

/**
 * The workflows AutoMatrix runs. `support-ticket` touches every provider route of RelayCore:
 * `chat-fast` goes to a simulated provider, `embed-base` and `gpt-small` to NeuroWeaver.
 */
export const WORKFLOWS: ReadonlyMap<string, Workflow> = new Map(
  [
    {
      name: 'support-ticket',
      steps: [
        { name: 'classify', model: 'chat-fast' },
        { name: 'embed', model: 'embed-base' },
        { name: 'answer', model: 'gpt-small' },
      ],
    },
    { name: 'nightly-report', steps: [{ name: 'summarize', model: 'gpt-small' }] },
  ].map((workflow) => [workflow.name, workflow]),
);
