import { connectionSchema, loadConfig } from '../lib/platform/config';
import { createLogger } from '../lib/platform/logger';
import { migrateAll } from '../lib/platform/migrations/run-migrations';
import { once } from '../lib/platform/shutdown';
import { parseTrackingKeys, TrackingTokenCodec } from '../lib/contracts/tracking/tracking-token';
import { ApiClient } from './demo/api-client';
import { abTestChecks } from './demo/ab-checks';
import { AB_TILE, liveAbTest, type AbDemo } from './demo/ab-test-setup';
import { AudienceSimulation } from './demo/audience-simulation';
import { liveJourney, prepareAudience, type Campaign } from './demo/campaign-setup';
import { contactChecks, kpiChecks, tileChecks, type Check, type Reported } from './demo/demo-checks';
import { expectedJourney, expectedKpis, type Expected } from './demo/demo-expectations';
import { DemoInbox, type Delivery } from './demo/demo-inbox';
import { DemoLedger } from './demo/demo-ledger';
import { demoNamespace, dropEarlierRuns, dropRun, type DemoNamespace } from './demo/demo-namespace';
import {
  checkLines,
  DemoConsole,
  fmt,
  journeyProgress,
  keepLines,
  kpiTable,
  linkLines,
  tileTable,
} from './demo/demo-report';
import { demoPorts, newSecrets, restartSender, startServices, type DemoServiceOptions } from './demo/demo-services';
import { localStackUsers } from '../test/support/clickhouse-users';
import { InsightsReader, watch, zeroTile } from './demo/insights-reader';
import { MailProvider } from './demo/mail-provider';
import { Recipients } from './demo/recipients';
import { settledLandingChecks } from './demo/landing-checks';
import { holdoutChecks } from './demo/holdout-checks';
import { leadScoringChecks, setupLeadScoring, type LeadScoringDemo } from './demo/lead-scoring';
import { LandingSimulation } from './demo/landing-simulation';
import { LandingVisitors } from './demo/landing-visitors';
import { detach, stopEarlierServices, stopService, type RunningService } from './demo/service-processes';

/**
 * `npm run demo`: the white-paper journey (docs/scheduler.md#example-the-white-paper-journey) end to end on the local
 * stack, through Cairn's services as processes and their HTTP APIs only. Marketing ops set it up and live through the
 * REST API; the journey engine (scheduler) moves the contacts and queues the sends; the sender renders and delivers
 * them to the demo's recording inbox; simulated recipients, a scanner and the mail provider act on ingest with what the
 * messages hold; Kafka → aggregator → ClickHouse; the tile counts and email KPIs read back through the API are held
 * against what the demo did. `--keep` leaves the services running; `--stop` ends a kept run.
 */
const connection = loadConfig(connectionSchema);
const args = new Set(process.argv.slice(2));
const AUDIENCE = Number(process.env.CAIRN_DEMO_CONTACTS ?? 2000);
/** the trigger's week, shortened; a large audience needs longer for its white papers to be delivered at all */
const TRIGGER_SECONDS = Number(process.env.CAIRN_DEMO_TRIGGER_SECONDS ?? Math.max(30, Math.ceil(AUDIENCE / 250)));
/** white-paper actions stop this long before the first possible timeout (Kafka → scheduler and sender lag) */
const DEADLINE_MARGIN_MS = 8_000;
/** ingest labels hits within 5 s of the send as machine traffic; people read their mail a little later */
const HUMAN_DELAY_MS = 6_000;
const ports = demoPorts(Number(process.env.CAIRN_DEMO_PORT ?? 18080));
const apiUrl = `http://127.0.0.1:${ports.api}`;
const ingestUrl = `http://127.0.0.1:${ports.ingest}`;
const out = new DemoConsole();
const secrets = newSecrets();
const tokens = new TrackingTokenCodec(parseTrackingKeys([secrets.trackingKeys]), 1);

interface Run {
  campaign: Campaign;
  ab: AbDemo;
  scoring: LeadScoringDemo;
  api: ApiClient;
  insights: InsightsReader;
  ledger: DemoLedger;
  simulation: AudienceSimulation;
  recipients: Recipients;
  visitors: LandingVisitors;
  landing: LandingSimulation;
  inbox: DemoInbox;
}

/** Messages/s into the inbox between two progress lines. */
function rateMeter(inbox: DemoInbox): () => number {
  let last = { at: Date.now(), count: 0 };
  return () => {
    const now = { at: Date.now(), count: inbox.accepted };
    const rate = (now.count - last.count) / Math.max(0.001, (now.at - last.at) / 1000);
    last = now;
    return rate;
  };
}

async function setUp(
  inbox: DemoInbox,
  route: (handler: (d: Delivery) => void) => void,
  namespace: DemoNamespace,
): Promise<Run> {
  out.step(`marketing ops through the REST API (${apiUrl}/docs)`);
  const audience = await prepareAudience({
    apiUrl,
    adminToken: secrets.adminToken,
    audience: AUDIENCE,
    say: (s) => out.say(s),
  });
  // live before any mail goes out, so every open, click, form and lead of the run is scored
  const scoring = await setupLeadScoring(audience.api);
  out.say(`lead scoring model "Demo MQL" live as version ${scoring.version} (docs/lead-scoring.md)`);
  const campaign = await liveJourney(audience, TRIGGER_SECONDS, (s) => out.say(s));
  const ab = await liveAbTest(audience, (s) => out.say(s));
  const ledger = new DemoLedger();
  const linkUrls = new Map(
    Object.values(campaign.emails).flatMap((email) => email.links.map((link) => [link.link_id, link.url] as const)),
  );
  const recipients = new Recipients(ingestUrl, linkUrls);
  const visitors = new LandingVisitors(ingestUrl, campaign.landing.formId);
  const landing = new LandingSimulation(visitors, campaign.landing, ledger.landing);
  const simulation = new AudienceSimulation({
    landing,
    campaign,
    ledger,
    tokens,
    recipients,
    provider: await MailProvider.connect(ingestUrl, namespace.postgresUrl, campaign.workspaceId),
    deadline: campaign.liveAt + TRIGGER_SECONDS * 1000 - DEADLINE_MARGIN_MS,
    humanDelayMs: HUMAN_DELAY_MS,
    ab,
  });
  route(simulation.onDelivery);
  const api = new ApiClient(apiUrl, campaign.apiKey);
  const insights = new InsightsReader(api, campaign);
  return { campaign, ab, scoring, api, insights, ledger, simulation, recipients, visitors, landing, inbox };
}

/** The journey runs: sends, recipients acting in time, the trigger deciding, the follow-ups sent and settled. */
async function runJourney(run: Run): Promise<void> {
  out.step(
    `the scheduler runs the journey and the sender delivers; recipients act on their mail (trigger timeout ${TRIGGER_SECONDS} s)`,
  );
  const rate = rateMeter(run.inbox);
  const printEveryMs = AUDIENCE > 10_000 ? 10_000 : 3_000;
  const { ok } = await watch({
    probe: async () => ({ tiles: await run.insights.tiles(), kpis: await run.insights.emails() }),
    done: ({ tiles, kpis }) => {
      const t = (id: string) => tiles.get(id) ?? zeroTile(id);
      const atEnds =
        t('done_true').processed +
        t('done_false').processed +
        // held-out contacts are Blocked holdout at email tiles and still reach an end tile
        [...tiles.values()].reduce((s, x) => s + x.blocked - (x.blockedByReason.holdout ?? 0) + x.failed, 0);
      const settled = (['paper', 'nurture', 'remind'] as const).every(
        (e) => kpis[e].targeted + kpis[e].sendingFailed === t(e).processed,
      );
      return t('ny').inflow === AUDIENCE && atEnds === AUDIENCE && settled;
    },
    print: ({ tiles, kpis }) =>
      journeyProgress(tiles, kpis, run.ledger, rate(), run.simulation.queued).forEach((line) =>
        out.say(`${out.elapsed().padStart(8)}  ${line}`),
      ),
    timeoutMs: 180_000 + TRIGGER_SECONDS * 1000 + AUDIENCE * 20,
    printEveryMs,
  });
  if (!ok) out.say('the journey did not finish in time; the checks below show where it stands (logs in .stack/demo/)');
}

/** After the timeout: the held-back white-paper actions (late clicks), then everything the recipients do settles. */
async function lateActions(run: Run): Promise<void> {
  out.step(
    'after the timeout: late white-paper clicks (counted as clicks, no path changes) and the last recipient actions',
  );
  const late = run.simulation.runLateActions();
  run.landing.strangers(Math.max(3, Math.round(AUDIENCE / 500)), 2);
  await run.simulation.idle();
  const forwarded = run.ledger.emails.paper.forwardedAddresses;
  await watch({
    probe: async () => run.ledger.friendCopies,
    done: (copies) => copies >= forwarded,
    print: (copies) =>
      out.say(`${fmt(late)} late actions done; ${fmt(copies)}/${fmt(forwarded)} forwarded copies delivered to friends`),
    timeoutMs: 60_000,
    printEveryMs: 5_000,
  });
  await run.simulation.idle();
}

async function readBack(run: Run, expected: Expected): Promise<{ reported: Reported; checks: Check[] }> {
  out.step(
    'Kafka → aggregator → ClickHouse, read back through GET /v1/insights/journeys/{id}/tiles and /v1/insights/emails/{id}',
  );
  const want = expectedKpis(expected, run.ledger);
  const probe = async (): Promise<{ reported: Reported; checks: Check[] }> => {
    const [tiles, kpis, paper, nurture, remind] = await Promise.all([
      run.insights.tiles(),
      run.insights.emails(),
      run.insights.links('paper'),
      run.insights.links('nurture'),
      run.insights.links('remind'),
    ]);
    const reported = { tiles, kpis, links: { paper, nurture, remind } };
    return { reported, checks: [...tileChecks(expected, tiles), ...kpiChecks(want, reported)] };
  };
  const { value } = await watch({
    probe,
    done: ({ checks }) => checks.every((c) => c.ok),
    print: ({ checks }) =>
      out.say(`${checks.filter((c) => c.ok).length}/${checks.length} checks hold on the numbers visible so far`),
    timeoutMs: 120_000 + AUDIENCE * 2,
    printEveryMs: 5_000,
  });
  return value;
}

async function verify(run: Run): Promise<boolean> {
  const expected = expectedJourney(run.campaign, run.ledger);
  const { reported, checks } = await readBack(run, expected);
  const [truePath, falsePath] = await Promise.all([
    run.insights.tileContacts('clicked', 'state=path&path_id=true'),
    run.insights.tileContacts('clicked', 'state=path&path_id=false'),
  ]);
  const landing = await settledLandingChecks(run.api, run.campaign, run.ledger.landing, (line) => out.say(line));
  const holdout = await holdoutChecks(run.api, run.campaign, expected, run.ledger, (line) => out.say(line));
  const ab = await abTestChecks(
    run.api,
    run.ab,
    run.ledger,
    () => run.simulation.idle(),
    (line) => out.say(line),
  );
  const scoring = await leadScoringChecks(run.api, run.scoring, run.ledger, (line) => out.say(line));
  const contacts = contactChecks(expected, { truePath, falsePath }, run.ledger);
  const all = [...checks, ...contacts, ...landing, ...holdout, ...ab, ...scoring];
  out.say('per-tile counts (contacts), GET /v1/insights/journeys/{id}/tiles:');
  tileTable(reported.tiles).forEach((line) => out.say(`  ${line}`));
  out.say('email KPIs (messages, docs/kpis.md), GET /v1/insights/emails/{id}?journey_id=…:');
  kpiTable(reported.kpis).forEach((line) => out.say(`  ${line}`));
  linkLines(reported.links).forEach((line) => out.say(`  ${line}`));
  out.say('checks against what the demo did:');
  checkLines(all).forEach((line) => out.say(`  ${line}`));
  return all.every((c) => c.ok);
}

async function finish(
  services: RunningService[],
  options: DemoServiceOptions,
  run: Run | null,
  inbox: DemoInbox,
): Promise<void> {
  run?.recipients.close();
  run?.visitors.close();
  if (args.has('--keep') && run) {
    out.step("--keep: the services keep running on the run's data; the sender now delivers to the stack's smtp-sink");
    await inbox.close();
    detach(
      await restartSender(services, {
        ...options,
        smtpUrl: `smtp://127.0.0.1:${process.env.CAIRN_SMTP_SINK_PORT ?? 2525}`,
      }),
    );
    keepLines(apiUrl, ingestUrl, run.campaign).forEach((line) => out.say(line));
    out.say(`A/B test tile        ${apiUrl}/v1/insights/journeys/${run.ab.journeyId}/tiles/${AB_TILE}/ab`);
    out.say(`lead scoring         ${apiUrl}/v1/insights/scoring-models/${run.scoring.modelId}`);
    return;
  }
  out.step("stopping the services; dropping the run's PostgreSQL database, topics and queues");
  for (const service of [...services].reverse()) await stopService(service);
  await inbox.close();
  await dropRun(connection, options.namespace);
}

async function main(): Promise<void> {
  out.step('clearing what earlier demo runs left (their services, databases, topics and queues)');
  const stopped = await stopEarlierServices();
  const dropped = await dropEarlierRuns(connection);
  out.say(
    `stopped ${stopped.length ? stopped.join(', ') : 'nothing'}; dropped ${dropped.length ? dropped.join(', ') : 'nothing'}`,
  );
  if (args.has('--stop')) return;
  const namespace = demoNamespace(connection);
  // Every process talks to ClickHouse as its own user of the local stack (docs/clickhouse.md); so do the migrations.
  const clickhouse = (await localStackUsers()).logins;
  out.step(
    `migrations (PostgreSQL database ${namespace.name}, ClickHouse database ${namespace.clickhouseDatabase} as ${clickhouse.migrate.user})`,
  );
  const migrationSettings = {
    ...connection,
    clickhouseUser: clickhouse.migrate.user,
    clickhousePassword: clickhouse.migrate.password,
  };
  const applied = await migrateAll(
    { ...migrationSettings, clickhouseDatabase: namespace.clickhouseDatabase, postgresUrl: namespace.postgresUrl },
    createLogger({ service: 'demo', level: 'warn' }),
  );
  out.say(`applied: clickhouse ${applied.clickhouse.length}, postgres ${applied.postgres.length}`);

  out.step(
    'starting api, ingest, aggregator, scheduler, sender and engagement as processes (logs in .stack/demo/); a recording SMTP peer stands in for the inboxes',
  );
  let handler: (d: Delivery) => void = () => undefined;
  const inbox = new DemoInbox((d) => handler(d));
  const options: DemoServiceOptions = {
    namespace,
    ports,
    secrets,
    clickhouse,
    smtpUrl: `smtp://127.0.0.1:${await inbox.listen()}`,
  };
  const services = await startServices(options);
  out.say(`all six healthy: api ${apiUrl}, ingest ${ingestUrl}`);
  let run: Run | null = null;
  const end = once(() => finish(services, options, run, inbox));
  const interrupted = (): void => {
    run = null; // an interrupted run is not kept
    void end().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  try {
    run = await setUp(inbox, (h) => (handler = h), namespace);
    await runJourney(run);
    await lateActions(run);
    if (!(await verify(run))) process.exitCode = 1;
  } finally {
    await end();
  }
  out.say(`demo finished in ${out.elapsed()}${process.exitCode ? ' with failed checks' : ', every check passed'}`);
}

main().catch((error: Error) => {
  process.stderr.write(`\ndemo failed: ${error.message}\n`);
  process.exitCode = 1;
});
