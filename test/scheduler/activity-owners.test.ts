import { createTestEnv, type TestEnv } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { SchedulerRig, tally, Workspace } from './scheduler-harness';

/** The owner an activity or create-lead tile names (docs/scheduler.md#tiles) on what the tile creates. */
describe('activity and create-lead tile owners', () => {
  let env: TestEnv;
  let rig: SchedulerRig;

  beforeAll(async () => {
    env = await createTestEnv('cairn_owners');
    rig = await new SchedulerRig(env).start();
  });

  afterAll(async () => {
    await rig?.stop();
    await env?.cleanup();
  });

  const userOf = async (ws: Workspace, email: string): Promise<string> => {
    const { rows } = await rig.pool.query<{ id: string }>(
      'INSERT INTO users (workspace_id, email) VALUES ($1, $2) RETURNING id::text',
      [ws.id, email],
    );
    return rows[0]?.id as string;
  };

  const ownedJourney = async (ws: Workspace, contacts: string[], owner: string, checked = true) =>
    ws.liveJourney(
      {
        tiles: [
          { id: 'seg', type: 'segment', next: ['call'], config: { segment_ids: [await ws.segment(contacts)] } },
          { id: 'call', type: 'activity', next: ['lead'], config: { subject: 'Call', owner_id: owner } },
          { id: 'lead', type: 'create_lead', next: ['end'], config: { title: 'Hot', owner_id: owner } },
          { id: 'end', type: 'end' },
        ],
      },
      {},
      { checked },
    );

  const ownersOf = async (journeyId: string) => {
    await waitFor(
      () => rig.positions(journeyId),
      (p) => tally(p)['end/done'] === 3,
    );
    const owners = await rig.pool.query<{ kind: string; owner_id: string | null }>(
      `SELECT 'task' AS kind, owner_id::text FROM tasks WHERE journey_id = $1
       UNION ALL SELECT 'lead', owner_id::text FROM leads WHERE journey_id = $1`,
      [journeyId],
    );
    return owners.rows;
  };

  it('gives every task and lead the owner the tile names', async () => {
    const ws = await new Workspace(rig.pool).create();
    const ann = await userOf(ws, 'ann@cairn.example');
    const rows = await ownersOf(await ownedJourney(ws, await ws.contacts(3), ann));
    expect(rows).toHaveLength(6);
    expect(rows.every((row) => row.owner_id === ann)).toBe(true);
  });

  it("leaves them unowned when the owner is not the workspace's (another workspace's user, deleted since go-live)", async () => {
    const other = await new Workspace(rig.pool).create();
    const stranger = await userOf(other, 'eve@other.example');
    const ws = await new Workspace(rig.pool).create();
    const rows = await ownersOf(await ownedJourney(ws, await ws.contacts(3), stranger, false));
    expect(rows).toHaveLength(6);
    expect(rows.every((row) => row.owner_id === null)).toBe(true);
  });
});
