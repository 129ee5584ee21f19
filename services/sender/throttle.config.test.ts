import { loadConfig } from '../../lib/platform/config';
import { DEFAULT_THROTTLE } from './adaptive-rate';
import { throttleSchema, throttleSettingsOf } from './throttle.config';

describe('throttle settings', () => {
  it('turns the setting defaults into the limiter defaults', () => {
    const { settings } = throttleSettingsOf(loadConfig(throttleSchema, {}));
    expect(settings).toEqual(DEFAULT_THROTTLE); // the settings' defaults are the limiter's
  });

  it('refuses factors out of range and a floor above the ceiling at start', () => {
    expect(() => loadConfig(throttleSchema, { CAIRN_SENDER_THROTTLE_DECREASE_PERCENT: '100' })).toThrow(
      /CAIRN_SENDER_THROTTLE_DECREASE_PERCENT/,
    );
    expect(() => loadConfig(throttleSchema, { CAIRN_SENDER_MX_TIMEOUT_MS: '-1' })).toThrow(
      /CAIRN_SENDER_MX_TIMEOUT_MS/,
    );
    const fast = loadConfig(throttleSchema, {
      CAIRN_SENDER_THROTTLE_FLOOR_MS: '5',
      CAIRN_SENDER_THROTTLE_CEILING: '100',
    });
    expect(() => throttleSettingsOf(fast)).toThrow(/FLOOR_MS/);
  });
});
