// The import's CSV reading on its own: quoting, a BOM, aliases, and bad records reported by line while
// the rows after them are still read.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readImportCsv } from '../../src/assets/import.ts';

async function read(text: string) {
  const out = [];
  for await (const item of readImportCsv(Readable.from([text]))) out.push(item);
  return out;
}

describe('import CSV reading', () => {
  it('reads quoted cells, a BOM, CRLF, header aliases and empty lines', async () => {
    const rows = await read(
      '\uFEFFDevice_ID,MAC_Address,Add_Tags,Subnet_Label\r\n12,,"Admin;Key Asset","Floor 2, ""East"""\r\n\r\n,AA:BB:CC:00:11:22,,\r\n',
    );
    expect(rows).toEqual([
      {
        row: expect.objectContaining({
          line: 2,
          match: { column: 'did', value: '12' },
          addTags: ['Admin', 'Key Asset'],
          subnetLabel: 'Floor 2, "East"',
        }),
      },
      { row: expect.objectContaining({ line: 4, match: { column: 'mac', value: 'aa:bb:cc:00:11:22' } }) },
    ]);
  });

  it('reports a broken quote, a short row and bad values by line, and reads on', async () => {
    const rows = await read(
      [
        'did,add_tags,vip',
        '1,"Admin" x,yes', // line 2: text after a closing quote
        '2,Admin', // line 3: a cell short
        '3,Admin,perhaps', // line 4: vip not yes or no
        '4,Admin,no',
        '',
      ].join('\n'),
    );
    expect(rows).toEqual([
      {
        line: 2,
        error: 'cell 2 (add_tags) has a stray quote: quote the whole cell and double the quotes in it',
      },
      { line: 3, error: 'this row has 2 cells and the header 3: check its commas and quotes' },
      { line: 4, error: 'vip "perhaps" is not yes or no' },
      { row: expect.objectContaining({ line: 5, vip: false, addTags: ['Admin'] }) },
    ]);
  });

  it('says when a row is cut short by an unclosed quote at the end of the file', async () => {
    const rows = await read('did,add_tags\n1,Admin\n2,"Admin\n');
    expect(rows[0]).toEqual({ row: expect.objectContaining({ line: 2 }) });
    expect(rows[1]).toEqual({
      line: 3,
      error:
        'this row cannot be read: Quote Not Closed: the parsing is finished with an opening quote at line 3',
    });
  });
});
