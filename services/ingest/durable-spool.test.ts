import { crc32 } from 'node:zlib';
import {
  appendFileSync,
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DurableSpool, SpoolFullError } from './durable-spool';
import { decodeFrames, encodeFrame } from './spool-frames';

const message = (i: number) => ({ topic: 't.email-events', key: `contact-${i}`, value: Buffer.from(`event-${i}`) });

describe('DurableSpool', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'spool-test-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('replays appended messages in order, survives a reopen and truncates once drained', async () => {
    const spool = new DurableSpool(dir, 1 << 20);
    await spool.open();
    await Promise.all(Array.from({ length: 10 }, (_, i) => spool.append(message(i))));
    expect(spool.depth).toBe(10);
    const first = await spool.readChunk(4);
    expect(first.messages.map((m) => m.key)).toEqual(['contact-0', 'contact-1', 'contact-2', 'contact-3']);
    await spool.commit(first.nextOffset, 4);
    await spool.close();

    const reopened = new DurableSpool(dir, 1 << 20);
    await reopened.open();
    expect(reopened.depth).toBe(6);
    const rest = await reopened.readChunk(100);
    expect(rest.messages.map((m) => m.value.toString())).toEqual([4, 5, 6, 7, 8, 9].map((i) => `event-${i}`));
    expect(await reopened.truncateIfDrained()).toBe(false);
    await reopened.commit(rest.nextOffset, rest.messages.length);
    expect(await reopened.truncateIfDrained()).toBe(true);
    expect(statSync(join(dir, 'events.spool')).size).toBe(0);
    await reopened.close();
  });

  it('drops a torn tail left by a crash mid-write and keeps the intact frames', async () => {
    const spool = new DurableSpool(dir, 1 << 20);
    await spool.open();
    await spool.append(message(1));
    await spool.append(message(2));
    await spool.close();
    appendFileSync(join(dir, 'events.spool'), encodeFrame(message(3)).subarray(0, 9));
    const reopened = new DurableSpool(dir, 1 << 20);
    await reopened.open();
    expect(reopened.depth).toBe(2);
    expect((await reopened.readChunk(10)).messages.map((m) => m.key)).toEqual(['contact-1', 'contact-2']);
    await reopened.close();
  });

  it('rejects appends beyond its bound and frames with a bad checksum', async () => {
    const spool = new DurableSpool(dir, 100);
    await spool.open();
    await spool.append(message(1));
    await expect(
      Promise.all([spool.append(message(2)), spool.append(message(3)), spool.append(message(4))]),
    ).rejects.toBeInstanceOf(SpoolFullError);
    await spool.close();
    const frame = encodeFrame(message(5));
    frame.writeUInt8(frame.readUInt8(frame.length - 1) ^ 0xff, frame.length - 1);
    expect(decodeFrames(frame).messages).toEqual([]);
  });

  // Issue 20 defect 16: a corrupt frame used to end the spool (open() truncated everything from it on), and a
  // stale replay position did the same from wherever it pointed.
  describe('recovery (defect 16)', () => {
    const spoolFile = (): string => join(dir, 'events.spool');
    const frameLength = (i: number): number => encodeFrame(message(i)).length;
    const startOf = (i: number): number =>
      Array.from({ length: i }, (_, k) => frameLength(k)).reduce((a, b) => a + b, 0);
    /** Overwrites bytes of the spool file at `at`, as a bad sector or a torn write would. */
    const damage = (at: number, bytes: Buffer): void => {
      const fd = openSync(spoolFile(), 'r+');
      writeSync(fd, bytes, 0, bytes.length, at);
      closeSync(fd);
    };
    async function spoolOf(count: number): Promise<void> {
      const spool = new DurableSpool(dir, 1 << 20);
      await spool.open();
      await Promise.all(Array.from({ length: count }, (_, i) => spool.append(message(i))));
      await spool.close();
    }
    const keysOf = async (spool: DurableSpool): Promise<string[]> =>
      (await spool.readChunk(1_000)).messages.map((m) => m.key);

    it('loses only a frame whose payload or length is corrupt in the middle, counting it, and rewrites the spool without it', async () => {
      await spoolOf(10);
      damage(startOf(4) + frameLength(4) - 2, Buffer.from('XX')); // payload of frame 4
      damage(startOf(7) + 4, Buffer.from([0x7f, 0, 0, 0])); // length of frame 7: far past the end of the file
      const reopened = new DurableSpool(dir, 1 << 20);
      const recovery = await reopened.open();
      expect(recovery).toEqual({
        records: 8,
        lost: { regions: 2, bytes: frameLength(4) + frameLength(7) },
        tornTailBytes: 0,
        offsetReset: false,
      });
      expect(await keysOf(reopened)).toEqual([0, 1, 2, 3, 5, 6, 8, 9].map((i) => `contact-${i}`));
      await reopened.close();
      // Counted once: the file no longer holds them.
      const again = new DurableSpool(dir, 1 << 20);
      expect((await again.open()).lost).toEqual({ regions: 0, bytes: 0 });
      expect(again.depth).toBe(8);
      await again.close();
    });

    it('does not truncate the spool at a stale replay position: it replays from the start instead', async () => {
      await spoolOf(10);
      const size = statSync(spoolFile()).size;
      // A position left over from before the file was emptied and refilled: it points into frame 6.
      writeFileSync(join(dir, 'events.spool.offset'), String(startOf(6) + 5));
      const reopened = new DurableSpool(dir, 1 << 20);
      expect(await reopened.open()).toMatchObject({
        records: 10,
        offsetReset: true,
        lost: { regions: 0, bytes: 0 },
        tornTailBytes: 0,
      });
      expect(statSync(spoolFile()).size).toBe(size);
      expect(await keysOf(reopened)).toHaveLength(10);
      await reopened.close();
    });

    it('writes the replay position atomically (temp file renamed over it) and resumes from it', async () => {
      await spoolOf(6);
      const spool = new DurableSpool(dir, 1 << 20);
      await spool.open();
      const first = await spool.readChunk(4);
      await spool.commit(first.nextOffset, 4);
      expect(readFileSync(join(dir, 'events.spool.offset'), 'utf8')).toBe(String(startOf(4)));
      expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
      await spool.close();
      const reopened = new DurableSpool(dir, 1 << 20);
      expect((await reopened.open()).records).toBe(2);
      expect(await keysOf(reopened)).toEqual(['contact-4', 'contact-5']);
      await reopened.close();
    });

    it('skips a frame that went bad after open while replaying, reporting it, and still drains', async () => {
      const spool = new DurableSpool(dir, 1 << 20);
      await spool.open();
      await Promise.all(Array.from({ length: 5 }, (_, i) => spool.append(message(i))));
      damage(startOf(2) + 14, Buffer.from('!'));
      const chunk = await spool.readChunk(100);
      expect(chunk.messages.map((m) => m.key)).toEqual(['contact-0', 'contact-1', 'contact-3', 'contact-4']);
      expect(chunk.lost).toEqual({ regions: 1, bytes: frameLength(2) });
      await spool.commit(chunk.nextOffset, chunk.messages.length);
      expect(await spool.truncateIfDrained()).toBe(true);
      expect(spool.depth).toBe(0);
      await spool.close();
    });

    it('reads a spool left in the format before the sync marker and rewrites it, from its replay position', async () => {
      const legacy = (i: number): Buffer => {
        const frame = encodeFrame(message(i));
        const payload = frame.subarray(12);
        const header = Buffer.alloc(8);
        header.writeUInt32BE(payload.length, 0);
        header.writeUInt32BE(crc32(payload), 4);
        return Buffer.concat([header, payload]);
      };
      const frames = [0, 1, 2, 3].map(legacy);
      writeFileSync(spoolFile(), Buffer.concat(frames));
      writeFileSync(join(dir, 'events.spool.offset'), String((frames[0] as Buffer).length));
      const spool = new DurableSpool(dir, 1 << 20);
      expect((await spool.open()).records).toBe(3);
      expect(await keysOf(spool)).toEqual(['contact-1', 'contact-2', 'contact-3']);
      await spool.close();
    });
  });
});
