import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import * as dnsPacket from 'dns-packet';

/** NXDOMAIN in the header's RCODE bits: node:dns reads it as ENOTFOUND. */
const NXDOMAIN = 3;

/**
 * A DNS server on 127.0.0.1 (UDP, a random port) answering TXT queries from a table, for what Cairn looks up in DNS
 * (sending domains' DKIM records; docs/conventions.md#tests). Names it does not hold are NXDOMAIN; a name it holds
 * without a record of the asked type answers empty (ENODATA). `resolve` answers the same table the way mailauth's
 * `resolver` option asks, so a verifier sees what the server serves.
 */
export class LoopbackDns {
  private readonly records = new Map<string, string[]>();

  private constructor(private readonly socket: Socket) {
    socket.on('message', (message, peer) => {
      const reply = this.answer(message);
      if (reply) socket.send(reply, peer.port, peer.address);
    });
  }

  static async start(): Promise<LoopbackDns> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new LoopbackDns(socket);
  }

  /** "127.0.0.1:<port>", as CAIRN_DNS_SERVERS and Resolver.setServers take it. */
  get server(): string {
    return `127.0.0.1:${(this.socket.address() as AddressInfo).port}`;
  }

  /** Publishes (or, with null, removes) the TXT record of a name. */
  txt(name: string, value: string | null): this {
    const key = name.toLowerCase();
    if (value === null) this.records.delete(key);
    else this.records.set(key, [...(this.records.get(key) ?? []), value]);
    return this;
  }

  /** mailauth's resolver option: TXT strings split as DNS carries them; ENOTFOUND for a name not held. */
  readonly resolve = async (name: string, rrtype: string): Promise<string[][]> => {
    const found = rrtype === 'TXT' ? this.records.get(name.toLowerCase()) : undefined;
    if (found) return found.map((value) => value.match(/.{1,255}/g) ?? ['']);
    throw Object.assign(new Error(`query${rrtype} ENOTFOUND ${name}`), { code: 'ENOTFOUND', hostname: name });
  };

  private answer(message: Buffer): Buffer | null {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return null;
    }
    const question = query.questions?.[0];
    if (!question) return null;
    const found = this.records.get(question.name.toLowerCase());
    const answers: dnsPacket.Answer[] =
      found && question.type === 'TXT'
        ? found.map((value) => ({
            type: 'TXT',
            name: question.name,
            ttl: 60,
            data: (value.match(/.{1,255}/g) ?? ['']).map((chunk) => Buffer.from(chunk)),
          }))
        : [];
    return dnsPacket.encode({
      type: 'response',
      id: query.id,
      flags: dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_DESIRED | (found ? 0 : NXDOMAIN),
      questions: [question],
      answers,
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
