import { domainTallies, versionKey, type CountedEngagement, type VersionSender } from './domain-breaker';
import { breakerVerdict, DEFAULT_BREAKER, tallyBy, tripsOf } from './journey-breaker';

// The sending-domain breaker's counting and decision (docs/scheduler.md#circuit-breaker), without a database: the
// journey breaker's tally per (journey, email version), summed per (workspace, From domain), then the same verdict.

const WS = '11111111-1111-4111-8111-111111111111';
const OTHER_WS = '22222222-2222-4222-8222-222222222222';
const JOURNEY_A = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const JOURNEY_B = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const EMAIL_A = 'a0a0a0a0-a0a0-40a0-80a0-a0a0a0a0a0a0';
const EMAIL_B = 'b0b0b0b0-b0b0-40b0-80b0-b0b0b0b0b0b0';
const settings = { ...DEFAULT_BREAKER, minSends: 20 };

const rows = (journeyId: string, emailId: string, sends: number, hard: number): CountedEngagement[] => [
  ...Array.from({ length: sends }, () => ({
    journey_id: journeyId,
    kind: 'delivered',
    email_id: emailId,
    email_version: 1,
  })),
  ...Array.from({ length: hard }, () => ({
    journey_id: journeyId,
    kind: 'hard_bounced',
    email_id: emailId,
    email_version: 1,
  })),
  // an open counts for neither breaker
  { journey_id: journeyId, kind: 'opened', email_id: emailId, email_version: 1 },
];

function domainsOf(engagements: CountedEngagement[], senders: Record<string, VersionSender>) {
  return domainTallies(tallyBy(engagements, versionKey), new Map(Object.entries(senders)));
}

describe('sending-domain breaker counts', () => {
  const twoJourneys = [...rows(JOURNEY_A, EMAIL_A, 12, 2), ...rows(JOURNEY_B, EMAIL_B, 12, 2)];

  test('two journeys each under the minimum of sends trip their shared From domain together', () => {
    const perJourney = tallyBy(twoJourneys, (r) => r.journey_id);
    for (const counts of perJourney.values()) expect(breakerVerdict(counts, settings)).toBeNull();

    const perDomain = domainsOf(twoJourneys, {
      [`${JOURNEY_A}/${EMAIL_A}/1`]: { workspaceId: WS, fromAddress: 'news@Mail.Example.COM' },
      [`${JOURNEY_B}/${EMAIL_B}/1`]: { workspaceId: WS, fromAddress: 'offers@mail.example.com' },
    });
    expect([...perDomain]).toEqual([[`${WS} mail.example.com`, { sends: 24, hardBounces: 4, complaints: 0 }]]);
    const trips = tripsOf([{ id: 'd', sends: '24', hard_bounces: '4', complaints: '0' }], settings);
    expect(trips).toEqual([
      {
        id: 'd',
        trip: expect.objectContaining({ reason: 'hard-bounce rate 16.67% over 5.00% of 24 sends in the last 24 h' }),
      },
    ]);
  });

  test('the same domain in two workspaces, or two domains, are counted apart', () => {
    const perDomain = domainsOf(twoJourneys, {
      [`${JOURNEY_A}/${EMAIL_A}/1`]: { workspaceId: WS, fromAddress: 'news@mail.example.com' },
      [`${JOURNEY_B}/${EMAIL_B}/1`]: { workspaceId: OTHER_WS, fromAddress: 'news@mail.example.com' },
    });
    expect(perDomain.get(`${WS} mail.example.com`)).toEqual({ sends: 12, hardBounces: 2, complaints: 0 });
    expect(perDomain.get(`${OTHER_WS} mail.example.com`)).toEqual({ sends: 12, hardBounces: 2, complaints: 0 });
    for (const counts of perDomain.values()) expect(breakerVerdict(counts, settings)).toBeNull();
  });

  test('a version without a sender (not found, another workspace’s journey) or a bad event counts nothing', () => {
    const perDomain = domainsOf(
      [
        ...twoJourneys,
        { journey_id: JOURNEY_A, kind: 'delivered', email_id: 'not-a-uuid', email_version: 1 },
        { journey_id: JOURNEY_A, kind: 'delivered', email_id: EMAIL_A, email_version: 2 ** 31 },
      ],
      { [`${JOURNEY_A}/${EMAIL_A}/1`]: { workspaceId: WS, fromAddress: 'news@mail.example.com' } },
    );
    expect([...perDomain]).toEqual([[`${WS} mail.example.com`, { sends: 12, hardBounces: 2, complaints: 0 }]]);
    expect(
      versionKey({ journey_id: JOURNEY_A.toUpperCase(), kind: 'x', email_id: EMAIL_A.toUpperCase(), email_version: 3 }),
    ).toBe(`${JOURNEY_A}/${EMAIL_A}/3`);
  });
});
