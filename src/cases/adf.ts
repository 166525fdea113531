// Jira's two text forms: Atlassian Document Format (REST v3, Jira Cloud) and wiki markup (REST v2,
// Data Center). Our case text is plain: paragraphs split by blank lines, lines within them. No I/O.

export interface AdfNode {
  type: string;
  text?: string;
  version?: number;
  content?: AdfNode[];
  attrs?: Record<string, unknown>;
}

/** Plain text as an ADF document: a paragraph per blank-line block, a hard break per line. */
export function toAdf(text: string): AdfNode {
  const paragraphs = text
    .split(/\n{2,}/)
    .map((block) => block.split('\n'))
    .filter((lines) => lines.some((l) => l.length));
  return {
    type: 'doc',
    version: 1,
    content: paragraphs.map((lines) => ({
      type: 'paragraph',
      content: lines.flatMap((l, i) => [
        ...(i ? [{ type: 'hardBreak' }] : []),
        ...(l.length ? [{ type: 'text', text: l }] : []),
      ]),
    })),
  };
}

/** The text of an ADF document (or of a v2 string, as it is): paragraphs apart by a blank line. */
export function adfText(body: unknown): string {
  if (typeof body === 'string') return body;
  if (!body || typeof body !== 'object') return '';
  const n = body as AdfNode;
  if (n.type === 'text') return n.text ?? '';
  if (n.type === 'hardBreak') return '\n';
  const inner = (n.content ?? []).map(adfText);
  return n.type === 'doc' || n.type === 'bulletList' || n.type === 'orderedList'
    ? inner.join(n.type === 'doc' ? '\n\n' : '\n')
    : inner.join('');
}

/** Plain text safe in wiki markup: `{` (macros), `[` (links) and `|` (tables) escaped. */
export const wikiText = (text: string) => text.replace(/[{[|]/g, (c) => `\\${c}`);
