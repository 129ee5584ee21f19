import { loadConfig } from '../../lib/platform/config';
import { egressPolicyOf, egressSchema } from '../../lib/platform/egress/egress-policy';

/**
 * Test receivers listen on loopback at any port: the egress allowlist tests run with (the defaults never allow
 * it; docs/security.md#egress-webhook-signing-and-scopes). As environment for a service's config, and parsed.
 */
export const LOOPBACK_EGRESS = { CAIRN_EGRESS_ALLOW_CIDRS: '127.0.0.0/8', CAIRN_EGRESS_ALLOW_PORTS: '1-65535' };
export const loopbackEgressConfig = loadConfig(egressSchema, LOOPBACK_EGRESS);
export const loopbackEgressPolicy = egressPolicyOf(loopbackEgressConfig);
