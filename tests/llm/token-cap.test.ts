import { describe, expect, it } from 'vitest';
import { tokenCapKeyFor } from '../../src/llm/openai.js';

describe('the token cap key follows the server', () => {
  it('sends max_completion_tokens to OpenAI itself, which refuses max_tokens for newer models', () => {
    expect(tokenCapKeyFor('https://api.openai.com/v1')).toBe('max_completion_tokens');
  });

  it.each(['http://localhost:11434/v1', 'http://127.0.0.1:8000/v1', 'https://llm.internal.example/v1'])(
    'sends max_tokens to the compatible server %s (Ollama reads only that key)',
    (url) => {
      expect(tokenCapKeyFor(url)).toBe('max_tokens');
    },
  );
});
