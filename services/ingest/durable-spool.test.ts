import { appendFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeFrames, DurableSpool, encodeFrame, SpoolFullError } from './durable-spool';

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
    expect(reopened.truncateIfDrained()).toBe(false);
    await reopened.commit(rest.nextOffset, rest.messages.length);
    expect(reopened.truncateIfDrained()).toBe(true);
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
    await expect(Promise.all([spool.append(message(2)), spool.append(message(3)), spool.append(message(4))])).rejects.toBeInstanceOf(SpoolFullError);
    await spool.close();
    const frame = encodeFrame(message(5));
    frame.writeUInt8(frame.readUInt8(frame.length - 1) ^ 0xff, frame.length - 1);
    expect(decodeFrames(frame).messages).toEqual([]);
  });
});
