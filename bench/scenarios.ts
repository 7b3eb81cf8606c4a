import { randomUUID } from 'node:crypto';
import { BENCH_FIELDS, READER_GOALS, RECORD_VALUES, type Fixture } from './seed.js';

/**
 * What ours is compared with: the floor; ours itself on a copy of the database where event rows
 * are not stored (a trigger drops them), which measures what writing events costs; or, with
 * --vs-release-1, the release-1 build on the same data, for the requests release 1 answered, and
 * release 1's own floor beside it (its bench/floor.ts, with release 1's SQL), so that each release's
 * ratio to its own floor is measured in the same rounds.
 */
export type Baseline = 'floor' | 'no-events' | 'release-1' | 'release-1-floor';

export interface Scenario {
  name: string;
  /** What the request does, for the report. */
  what: string;
  /** Default: the floor. Empty: ours alone, for the growth table (nothing else computes it). */
  against?: Baseline[];
  /** Release 1 answered this request the same way: --vs-release-1 adds its build and its floor as baselines. */
  release1?: true;
  key: keyof Fixture['keys'];
  status: number;
  /** Whether ours and the floor must answer with identical bodies (reads), or the same shape (writes). */
  identical: boolean;
  /** A new body per request; `first` gives a fixed one for the equivalence check. */
  body(first?: boolean): unknown;
}

const pick = <T>(list: readonly T[], first: boolean | undefined): T => {
  const item = list[first ? 0 : Math.floor(Math.random() * list.length)];
  if (item === undefined) throw new Error('empty list');
  return item;
};

export function scenarios(f: Fixture): Scenario[] {
  return [
    {
      name: 'get',
      release1: true,
      what: `goals.get of a random one of the reader's ${READER_GOALS} goals`,
      key: 'reader',
      status: 200,
      identical: true,
      body: (first) => ({ resource: 'goals', action: 'get', id: pick(f.reader.goalIds, first) }),
    },
    {
      name: 'list',
      release1: true,
      what: 'goals.list, first page (50) with the total count, owner-scoped',
      key: 'reader',
      status: 200,
      identical: true,
      body: () => ({ resource: 'goals', action: 'list', data: {} }),
    },
    {
      name: 'list-filtered',
      release1: true,
      what: 'goals.list with agentId + status=active',
      key: 'reader',
      status: 200,
      identical: true,
      body: () => ({ resource: 'goals', action: 'list', data: { agentId: f.reader.agentId, status: 'active' } }),
    },
    {
      name: 'list-deep-cursor',
      release1: true,
      what: `goals.list by cursor at position ${f.reader.deepPosition} of ${READER_GOALS}`,
      key: 'reader',
      status: 200,
      identical: true,
      body: () => ({ resource: 'goals', action: 'list', data: { cursor: f.reader.deepCursor } }),
    },
    {
      name: 'create',
      release1: true,
      what: 'goals.create with 3 lead-info fields on a random agent of the writer',
      against: ['floor', 'no-events'],
      key: 'writer',
      status: 201,
      identical: false,
      body: (first) => ({
        resource: 'goals',
        action: 'create',
        data: {
          agent_id: pick(f.writer.agentIds, first),
          name: 'Book a qualified meeting',
          description: 'The call ends with a confirmed meeting time.',
          priority: 3,
          fields: BENCH_FIELDS,
        },
      }),
    },
    {
      name: 'attach',
      release1: true,
      what: "goals.attach of a random writer's goal to a random writer's agent",
      key: 'writer',
      status: 200,
      identical: false,
      body: (first) => ({
        resource: 'goals',
        action: 'attach',
        data: { goalId: pick(f.writer.goalIds, first), agentId: pick(f.writer.agentIds, first) },
      }),
    },
    {
      name: 'record',
      what: "outcomes.record of a new conversation (a fresh id each time) on a random one of the writer's goals, with its 3 values",
      against: ['floor', 'no-events'],
      key: 'writer',
      status: 201,
      identical: false,
      body: (first) => ({
        resource: 'outcomes',
        action: 'record',
        data: {
          goal_id: pick(f.writer.goalIds, first),
          conversation_id: `call_${randomUUID()}`,
          achieved: Math.random() < 0.5,
          contact_id: 'lead_17',
          values: RECORD_VALUES,
        },
      }),
    },
    {
      name: 'progress',
      what: `goals.progress of the tracked goal (a weekly count and a monthly rate target, Europe/Paris) at ${f.tracked.at}, mid-hour, all its outcomes in that week`,
      against: [],
      key: 'reader',
      status: 200,
      identical: true,
      body: () => ({ resource: 'goals', action: 'progress', id: f.tracked.goalId, data: { at: f.tracked.at } }),
    },
    {
      name: 'outcomes-list',
      what: "outcomes.list by goalId: the tracked goal's newest 50 outcomes, with the total count",
      key: 'reader',
      status: 200,
      identical: true,
      body: () => ({ resource: 'outcomes', action: 'list', data: { goalId: f.tracked.goalId } }),
    },
    {
      name: 'admin-list',
      release1: true,
      what: 'goals.list in admin mode: every owner, owner object on each goal, total count of the table',
      key: 'admin',
      status: 200,
      identical: true,
      body: () => ({ resource: 'goals', action: 'list', admin: true, data: {} }),
    },
  ];
}
