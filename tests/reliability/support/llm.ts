import { completion, startFakeOpenAi, type FakeOpenAi } from '../../support/fake-openai.js';

/** A draft the model might answer for any description. */
export const DRAFT = {
  name: 'Book a qualified sales meeting',
  description: 'The call ends with a confirmed meeting time.',
  priority: 70,
  fields: [{ key: 'email', label: 'Email address', type: 'email', required: true, description: null, options: null }],
};

/** A local OpenAI-compatible server that answers every request with DRAFT, and the env to use it. */
export async function startWorkingLlm(): Promise<{ fake: FakeOpenAi; env: Record<string, string> }> {
  const fake = await startFakeOpenAi();
  fake.fallback(completion(DRAFT));
  return { fake, env: { OPENAI_BASE_URL: fake.url, OPENAI_MODEL: 'fake-model', OPENAI_TIMEOUT_MS: '10000' } };
}
