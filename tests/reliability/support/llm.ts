import { bySchemaName, completion, startFakeOpenAi, type FakeOpenAi } from '../../support/fake-openai.js';

/** A draft the model might answer for any description. */
export const DRAFT = {
  name: 'Book a qualified sales meeting',
  description: 'The call ends with a confirmed meeting time.',
  priority: 70,
  fields: [{ key: 'email', label: 'Email address', type: 'email', required: true, description: null, options: null }],
};

/** An evaluation the model might answer for any conversation. */
export const EVALUATION = { verdict: 'achieved', rationale: 'The caller booked a meeting.', confidence: 0.8, values: [] };

/** A local OpenAI-compatible server that answers generate with DRAFT and evaluate with EVALUATION, and the env to use it. */
export async function startWorkingLlm(): Promise<{ fake: FakeOpenAi; env: Record<string, string> }> {
  const fake = await startFakeOpenAi();
  fake.fallback(bySchemaName({ goal_suggestion: completion(DRAFT), conversation_evaluation: completion(EVALUATION) }));
  return { fake, env: { OPENAI_BASE_URL: fake.url, OPENAI_MODEL: 'fake-model', OPENAI_TIMEOUT_MS: '10000' } };
}
