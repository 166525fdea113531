// What a detection's record says in sections, for the detection page: a model breach's triggered
// components (metric, filters and what triggered them) or an AI Analyst event's narrative (its details
// in either of the two shapes Darktrace sends). Pure (web/test/narrative.test.ts).

export interface Section {
  header: string;
  lines: { key: string; value: string }[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));

/** A detail value in words: a device by its name, a time range as two times, anything else as text. */
function words(v: unknown): string {
  if (!isObj(v)) return str(v);
  if ('start' in v && 'end' in v) {
    const t = (x: unknown) => (typeof x === 'number' ? new Date(x).toISOString() : str(x));
    return `${t(v.start)} – ${t(v.end)}`;
  }
  const name = v.hostname ?? v.name ?? v.label ?? v.ip ?? v.did;
  return name !== undefined ? str(name) : JSON.stringify(v);
}

/** A model breach's triggered components: one section each, its filters as lines. */
export function components(raw: unknown): Section[] {
  const list = isObj(raw) && Array.isArray(raw.triggeredComponents) ? raw.triggeredComponents : [];
  return list.filter(isObj).map((c, i) => {
    const metric = isObj(c.metric) ? str(c.metric.label ?? c.metric.name) : '';
    const filters = Array.isArray(c.triggeredFilters) ? c.triggeredFilters.filter(isObj) : [];
    return {
      header: `Component ${i + 1}${metric ? `: ${metric}` : ''}${c.size !== undefined ? ` (${str(c.size)} > ${str(c.threshold)})` : ''}`,
      lines: filters.map((f) => ({
        key: str(f.filterType ?? f.id),
        value: words(isObj(f.trigger) ? f.trigger.value : f.trigger),
      })),
    };
  });
}

/** An AI Analyst event's narrative from its `details`: block style or the older list of sections. */
export function narrative(raw: unknown): Section[] {
  const details = isObj(raw) && Array.isArray(raw.details) ? raw.details : [];
  const out: Section[] = [];
  for (const part of details) {
    if (isObj(part) && Array.isArray(part.blocks)) {
      for (const b of part.blocks.filter(isObj)) {
        const bullets = Array.isArray(b.bulletBlocks) ? b.bulletBlocks.flat().filter(isObj) : [];
        out.push({
          header: str(b.blockHeader),
          lines: bullets.map((d) => ({
            key: str(d.detailKey),
            value: (Array.isArray(d.detailValues) ? d.detailValues : []).map(words).join(', '),
          })),
        });
      }
    } else if (Array.isArray(part)) {
      for (const sec of part.filter(isObj))
        out.push({
          header: str(sec.header),
          lines: (Array.isArray(sec.contents) ? sec.contents.filter(isObj) : []).map((d) => ({
            key: str(d.key),
            value: (Array.isArray(d.values) ? d.values : []).map(words).join(', '),
          })),
        });
    }
  }
  return out;
}
