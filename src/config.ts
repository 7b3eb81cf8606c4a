import * as z from 'zod';

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? null : v.trim()));

const count = (fallback: number) => z.coerce.number().int().min(0).default(fallback);

const configSchema = z
  .object({
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  DATABASE_PATH: z.string().min(1).default('./data/goalpost.db'),
  // HS256 with a short secret can be brute-forced offline from one token.
  JWT_SECRET: optionalText.pipe(z.string().min(32, 'must be at least 32 characters').nullable()),
  JWKS_URL: optionalText.pipe(z.url().nullable()),
  JWT_ISSUER: optionalText,
  JWT_AUDIENCE: optionalText,
  RATE_LIMIT_PER_MINUTE: count(600),
  GENERATE_PER_MINUTE: count(10),
  EVALUATE_PER_MINUTE: count(60),
  CORS_ORIGINS: z
    .string()
    .optional()
    .transform((v) => (v ?? '').split(',').map((o) => o.trim()).filter((o) => o !== '')),
  OPENAI_API_KEY: optionalText,
  OPENAI_BASE_URL: optionalText.pipe(z.url().nullable()),
  OPENAI_MODEL: z.string().min(1).default('gpt-4o-mini'),
  // Timers overflow past 2^31 ms; ten minutes is already far beyond any useful wait for an answer.
  OPENAI_TIMEOUT_MS: z.coerce.number().int().min(1).max(600_000).default(20_000),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  ADMIN_EMAIL: z.string().min(1).default('admin@localhost'),
  // Events older than this are swept as new ones are written (DESIGN section 7).
  EVENTS_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  })
  // A shared identity provider signs tokens for many apps: without an issuer check any of them would do.
  .refine((c) => c.JWKS_URL === null || c.JWT_ISSUER !== null, {
    path: ['JWT_ISSUER'],
    message: 'is required when JWKS_URL is set',
  });

export type Config = z.infer<typeof configSchema>;

/** Parses the environment once, at start-up; a bad value stops the process with a clear message. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  // An empty variable means unset: `RATE_LIMIT_PER_MINUTE=` must not coerce to 0 and turn limits off.
  const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = configSchema.safeParse(set);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  throw new Error(`Invalid configuration: ${problems}`);
}
