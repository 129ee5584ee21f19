import type { FieldSpec } from '../../lib/platform/config';
import type { ThrottleSettings } from './adaptive-rate';
import { ProviderResolver } from './provider-groups';

/** An integer setting within [min, max]: a factor or interval out of range is refused at start. */
function bounded(env: string, doc: string, min: number, max: number, fallback: number): FieldSpec<number> {
  return {
    env,
    doc,
    default: fallback,
    parse(raw) {
      const value = Number(raw.trim());
      if (!/^\d+$/.test(raw.trim()) || value < min || value > max) throw new Error(`must be an integer ${min}–${max}`);
      return value;
    },
  };
}

/** The throttle's settings (docs/sender.md#throttling), spread into the sender's schema. */
export const throttleSchema = {
  throttleCeiling: bounded(
    'CAIRN_SENDER_THROTTLE_CEILING',
    'messages/s a key backs off from and recovers to when CAIRN_SENDER_DOMAIN_RATE is 0 (unlimited)',
    1,
    100_000,
    100,
  ),
  throttleFloorMs: bounded(
    'CAIRN_SENDER_THROTTLE_FLOOR_MS',
    'the slowest pace of a throttled key: one message per this many ms',
    1,
    3_600_000,
    10_000,
  ),
  throttleDecreasePercent: bounded(
    'CAIRN_SENDER_THROTTLE_DECREASE_PERCENT',
    "a throttling reply sets the key's rate to this percent of it",
    1,
    99,
    50,
  ),
  throttleHoldMs: bounded(
    'CAIRN_SENDER_THROTTLE_HOLD_MS',
    'at most one decrease per key per this many ms',
    0,
    3_600_000,
    5_000,
  ),
  throttleRecoveryMs: bounded(
    'CAIRN_SENDER_THROTTLE_RECOVERY_MS',
    'after this long without a throttling reply, and each time again, a key speeds up',
    1,
    86_400_000,
    60_000,
  ),
  throttleRecoveryPercent: bounded(
    'CAIRN_SENDER_THROTTLE_RECOVERY_PERCENT',
    'each recovery step raises the rate by this percent',
    1,
    1_000,
    25,
  ),
  throttlePauseMs: bounded(
    'CAIRN_SENDER_THROTTLE_PAUSE_MS',
    'a key waits this long after a session refused with 421 at the greeting',
    0,
    3_600_000,
    60_000,
  ),
  throttleMaxWaitMs: bounded(
    'CAIRN_SENDER_THROTTLE_MAX_WAIT_MS',
    "longest a message waits for its throttle key's pace in its batch; past it, it goes back to the ledger as a deferred retry",
    1_000,
    3_600_000,
    30_000,
  ),
  mxTimeoutMs: bounded(
    'CAIRN_SENDER_MX_TIMEOUT_MS',
    "longest wait for a domain's MX before it is throttled as itself (0: no MX lookups, well-known domains only)",
    0,
    10_000,
    500,
  ),
  mxTtlMs: bounded(
    'CAIRN_SENDER_MX_TTL_MS',
    'how long an MX answer (or failure) is kept',
    1_000,
    86_400_000,
    3_600_000,
  ),
};

type ThrottleConfig = { [K in keyof typeof throttleSchema]: number };

/** The limiter's throttle settings and provider resolver from the parsed settings. */
export function throttleSettingsOf(config: ThrottleConfig): {
  settings: Omit<ThrottleSettings, 'configuredPerSecond'>;
  resolver: ProviderResolver;
} {
  // NOTE: the floor must be below where a key backs off from, or a throttled key would never be slower
  if (1000 / config.throttleFloorMs >= config.throttleCeiling)
    throw new Error(
      'CAIRN_SENDER_THROTTLE_FLOOR_MS must allow fewer messages per second than CAIRN_SENDER_THROTTLE_CEILING',
    );
  return {
    settings: {
      ceilingPerSecond: config.throttleCeiling,
      floorPerSecond: 1000 / config.throttleFloorMs,
      decreaseFactor: config.throttleDecreasePercent / 100,
      holdMs: config.throttleHoldMs,
      recoveryStepMs: config.throttleRecoveryMs,
      recoveryFactor: 1 + config.throttleRecoveryPercent / 100,
      pauseMs: config.throttlePauseMs,
    },
    resolver: new ProviderResolver({ timeoutMs: config.mxTimeoutMs, ttlMs: config.mxTtlMs }),
  };
}
