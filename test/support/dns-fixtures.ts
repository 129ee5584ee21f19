import { generateKeyPairSync } from 'node:crypto';
import { dkimSign } from 'mailauth';

/**
 * DNS answers for reply verification, as a table: NOT a DNS server. docs/conventions.md#tests asks for a DNS server
 * on loopback, but no DNS packet codec is installed (no `dns-packet`, no `dns2`) and hand-writing one is what
 * docs/conventions.md#libraries-before-our-own-code rules out, so the engagement service gets this as mailauth's
 * `resolver` option (buildEngagement's `dns`), in place of its node:dns resolver. It answers like node:dns: arrays of
 * TXT strings, ENOTFOUND for a name it does not hold. Replace it with a real server on loopback once a codec is a
 * dependency.
 */
export class FixtureDns {
  private readonly records = new Map<string, string[][]>();

  /** A TXT record (split into 255-byte strings as DNS carries them). */
  txt(name: string, value: string): this {
    const key = `TXT ${name.toLowerCase()}`;
    this.records.set(key, [...(this.records.get(key) ?? []), value.match(/.{1,255}/g) ?? ['']]);
    return this;
  }

  readonly resolve = async (name: string, rrtype: string): Promise<string[][]> => {
    const found = this.records.get(`${rrtype} ${name.toLowerCase()}`);
    if (found) return found;
    throw Object.assign(new Error(`query${rrtype} ENOTFOUND ${name}`), { code: 'ENOTFOUND', hostname: name });
  };
}

/** A domain that signs its mail (DKIM, selector `cairn`), lists 127.0.0.1 in SPF and publishes DMARC p=reject. */
export class SigningDomain {
  private readonly privateKey: string;
  readonly publicKey: string;

  constructor(readonly domain: string) {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    this.publicKey = pair.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  }

  publish(dns: FixtureDns): FixtureDns {
    return dns
      .txt(`cairn._domainkey.${this.domain}`, `v=DKIM1; k=rsa; p=${this.publicKey}`)
      .txt(this.domain, 'v=spf1 ip4:127.0.0.1 -all')
      .txt(`_dmarc.${this.domain}`, 'v=DMARC1; p=reject');
  }

  /** The message with this domain's DKIM-Signature in front. */
  async sign(raw: Buffer): Promise<Buffer> {
    const key = { signingDomain: this.domain, selector: 'cairn', privateKey: this.privateKey };
    // mailauth signs with each entry of signatureData; its typings also ask for the key at the top level
    const { signatures } = await dkimSign(raw, { ...key, signatureData: [key] });
    return Buffer.concat([Buffer.from(signatures), raw]);
  }
}
