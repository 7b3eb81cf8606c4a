import type { LeadField } from '../goals/schemas.js';
import { checkFieldValue } from './field-values.js';

export const VERDICTS = ['achieved', 'not_achieved', 'unknown'] as const;
export type Verdict = (typeof VERDICTS)[number];
export const TURN_ROLES = ['agent', 'user', 'system', 'tool'] as const;
export type TurnRole = (typeof TURN_ROLES)[number];

export interface Turn {
  role: TurnRole;
  text: string;
  at?: string | undefined;
}

/** A conversation as the caller sends it: plain text, or turns. */
export type Transcript = string | readonly Turn[];

export type AnswerValue = string | number | boolean | null;

/** The model's answer, once its shape is checked; nothing in it is trusted yet. */
export interface ModelAnswer {
  verdict: Verdict;
  rationale: string;
  confidence: number;
  values: readonly { key: string; value: AnswerValue; quote: string }[];
}

export type FieldStatus = 'collected' | 'missing' | 'rejected';
export type RejectReason = 'quote_not_found' | 'invalid';

export interface FieldResult {
  status: FieldStatus;
  value: AnswerValue;
  quote: string | null;
  reason: RejectReason | null;
}

export interface Evaluation {
  verdict: Verdict;
  rationale: string;
  confidence: number;
  /** Every field of the goal, in the goal's order. */
  fields: Record<string, FieldResult>;
  /** Required fields that are missing or rejected, in the goal's order. */
  missing_required: string[];
}

/** Case and whitespace runs do not count when looking for a quote (NFC, so é matches é however typed). */
export const normalizeText = (text: string): string => text.normalize('NFC').toLowerCase().replace(/\s+/gu, ' ').trim();

/**
 * The places a quote may come from: the whole text, or each turn's text on its own (a quote that
 * runs across two turns, or includes a speaker label, is not verbatim).
 */
export const searchableText = (transcript: Transcript): string[] =>
  typeof transcript === 'string' ? [normalizeText(transcript)] : transcript.map((turn) => normalizeText(turn.text));

/** Whether `quote` occurs in one of `haystacks`. An empty quote proves nothing, so it is never found. */
export function quoteFound(quote: string, haystacks: readonly string[]): boolean {
  const needle = normalizeText(quote);
  return needle !== '' && haystacks.some((text) => text.includes(needle));
}

/** An enum value written in another case becomes the option itself: "MORNING" → "morning". */
function canonical(field: LeadField, value: AnswerValue): AnswerValue {
  if (field.type !== 'enum' || typeof value !== 'string') return value;
  const lower = value.toLowerCase();
  return field.options?.find((option) => option.toLowerCase() === lower) ?? value;
}

const MISSING: FieldResult = { status: 'missing', value: null, quote: null, reason: null };

function judgeValue(field: LeadField, value: AnswerValue, quote: string, haystacks: readonly string[]): FieldResult {
  // A null value is the model saying it found nothing: missing, whatever the quote says.
  if (value === null) return MISSING;
  if (!quoteFound(quote, haystacks)) return { status: 'rejected', value, quote, reason: 'quote_not_found' };
  const check = checkFieldValue(field, canonical(field, value));
  if (!check.ok) return { status: 'rejected', value, quote, reason: 'invalid' };
  return { status: 'collected', value: check.value as AnswerValue, quote, reason: null };
}

/**
 * Checks the model's answer against the goal's fields and the transcript; nothing it says is kept
 * unchecked. Keys that are not fields are dropped, and a field given twice keeps its first answer.
 */
export function verifyAnswer(fields: readonly LeadField[], transcript: Transcript, answer: ModelAnswer): Evaluation {
  const byKey = new Map(fields.map((field) => [field.key, field]));
  const haystacks = searchableText(transcript);
  const judged = new Map<string, FieldResult>();
  for (const { key, value, quote } of answer.values) {
    const field = byKey.get(key);
    if (field === undefined || judged.has(key)) continue;
    judged.set(key, judgeValue(field, value, quote, haystacks));
  }
  const resultOf = (field: LeadField): FieldResult => judged.get(field.key) ?? MISSING;
  return {
    verdict: answer.verdict,
    rationale: answer.rationale,
    confidence: answer.confidence,
    fields: Object.fromEntries(fields.map((field) => [field.key, resultOf(field)])),
    missing_required: fields.filter((field) => field.required && resultOf(field).status !== 'collected').map((field) => field.key),
  };
}

/** The values an outcome records: the collected ones only. */
export const collectedValues = (evaluation: Evaluation): Record<string, AnswerValue> =>
  Object.fromEntries(Object.entries(evaluation.fields).filter(([, r]) => r.status === 'collected').map(([key, r]) => [key, r.value]));

/** The outcome's `achieved`: unknown is no verdict. */
export const achievedOf = (verdict: Verdict): boolean | null => (verdict === 'unknown' ? null : verdict === 'achieved');
