import { dotStuff } from './lean-smtp';

describe('dotStuff', () => {
  it.each([
    ['no dot at a line start', 'a.b\r\nc.d\r\n', 'a.b\r\nc.d\r\n'],
    ['first line', '.hidden\r\nx', '..hidden\r\nx'],
    ['later lines', 'a\r\n.\r\nb\r\n..c', 'a\r\n..\r\nb\r\n...c'],
  ])('%s', (_name, input, expected) => {
    expect(dotStuff(Buffer.from(input)).toString()).toBe(expected);
  });
});
