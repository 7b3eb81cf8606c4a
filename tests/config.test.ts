import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';

describe('parseConfig', () => {
  it('uses the documented defaults for an empty environment', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      HOST: '127.0.0.1',
      PORT: 8787,
      DATABASE_PATH: './data/goalpost.db',
      RATE_LIMIT_PER_MINUTE: 600,
      GENERATE_PER_MINUTE: 10,
      EVALUATE_PER_MINUTE: 60,
      OPENAI_MODEL: 'gpt-4o-mini',
      OPENAI_TIMEOUT_MS: 20_000,
      JWT_SECRET: null,
      CORS_ORIGINS: [],
    });
  });

  it('treats an empty variable as unset, so RATE_LIMIT_PER_MINUTE= does not turn limits off', () => {
    const config = parseConfig({ RATE_LIMIT_PER_MINUTE: '', GENERATE_PER_MINUTE: ' ', PORT: '' });
    expect(config.RATE_LIMIT_PER_MINUTE).toBe(600);
    expect(config.GENERATE_PER_MINUTE).toBe(10);
    expect(config.PORT).toBe(8787);
    expect(parseConfig({ RATE_LIMIT_PER_MINUTE: '0' }).RATE_LIMIT_PER_MINUTE).toBe(0);
  });

  it('refuses a JWT_SECRET shorter than 32 characters', () => {
    expect(() => parseConfig({ JWT_SECRET: 'short' })).toThrow(/JWT_SECRET: must be at least 32 characters/);
    expect(parseConfig({ JWT_SECRET: 'x'.repeat(32) }).JWT_SECRET).toBe('x'.repeat(32));
  });

  it('requires JWT_ISSUER with JWKS_URL', () => {
    expect(() => parseConfig({ JWKS_URL: 'https://idp.example/jwks.json' })).toThrow(/JWT_ISSUER: is required when JWKS_URL is set/);
    expect(parseConfig({ JWKS_URL: 'https://idp.example/jwks.json', JWT_ISSUER: 'https://idp.example/' }).JWT_ISSUER).toBe('https://idp.example/');
  });

  it('names every bad variable in one message', () => {
    expect(() => parseConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', OPENAI_BASE_URL: 'not a url' })).toThrow(/PORT.*LOG_LEVEL.*OPENAI_BASE_URL|PORT.*OPENAI_BASE_URL.*LOG_LEVEL/);
  });
});
