import Bowser from 'bowser';

export type DeviceType = 'desktop' | 'mobile' | 'tablet' | 'tv' | 'bot' | 'unknown';

export interface Device {
  type: DeviceType;
  os: string | null;
  client: string | null;
}

const KNOWN: ReadonlySet<string> = new Set(['desktop', 'mobile', 'tablet', 'tv', 'bot']);

/**
 * The device behind an open or click, from its user agent (each open in a message's history names its device:
 * docs/engagement.md#interaction-history-and-kpis). Parsing is bowser's (a maintained parser), never a list of ours.
 */
export function deviceOf(userAgent: string | null | undefined): Device {
  if (!userAgent || !userAgent.trim()) return { type: 'unknown', os: null, client: null };
  try {
    const parsed = Bowser.parse(userAgent);
    const type =
      parsed.platform.type && KNOWN.has(parsed.platform.type) ? (parsed.platform.type as DeviceType) : 'unknown';
    return { type, os: parsed.os.name ?? null, client: parsed.browser.name ?? null };
  } catch {
    return { type: 'unknown', os: null, client: null };
  }
}
