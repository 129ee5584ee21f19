import { parse } from 'csv-parse/sync';
import { csvText, spreadsheetText } from './csv-cells';

// Issue 20, defect 12: CSV cells a spreadsheet would run as a formula are neutralised; numbers are not.
describe('csvText', () => {
  it.each(['=HYPERLINK("https://evil.example","x")', '+1+1', '-2+3', '@SUM(A1)', '\t=1', '\r=1'])(
    'neutralises the text cell %j',
    (cell) => {
      expect(spreadsheetText(cell)).toBe(`'${cell}`);
      expect(parse(csvText([['h'], [cell]]))).toEqual([['h'], [`'${cell}`]]);
    },
  );

  it.each(['plain', 'a=b', ' =1', "'=1", ''])('leaves the text cell %j as it is', (cell) => {
    expect(spreadsheetText(cell)).toBe(cell);
  });

  it('writes numbers as numbers, negative ones included', () => {
    expect(
      csvText([
        ['events', 'delta'],
        [3, -3],
        [0, -0.5],
      ]),
    ).toBe('events,delta\n3,-3\n0,-0.5\n');
  });

  it('quotes what CSV needs quoted after neutralising', () => {
    expect(parse(csvText([['=a,b', 'say "hi"']]))).toEqual([["'=a,b", 'say "hi"']]);
  });
});
