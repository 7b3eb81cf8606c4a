export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** ISO 8601 UTC with milliseconds: the only timestamp format stored and returned. */
export const isoNow = (clock: Clock): string => clock.now().toISOString();
