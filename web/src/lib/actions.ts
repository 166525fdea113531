// Which catalog commands act on a detection, and their bodies: comments (read and add) for a model breach
// or an AI Analyst event, RESPOND and a PCAP for a breach's device. Pure (web/test/actions.test.ts).

export interface DetectionRef {
  family: string;
  nativeId: string;
}

export interface Comment {
  message: string;
  username?: string;
  time?: number;
}

export interface CommentCommands {
  read: { command: string; body: Record<string, unknown> };
  add: (comment: string) => { command: string; body: Record<string, unknown> };
  /** The comments out of the read command's result. */
  comments: (result: { data?: unknown; items?: { result?: unknown }[] }) => Comment[];
}

const list = (v: unknown): Comment[] =>
  Array.isArray(v)
    ? v
        .filter((c) => c && typeof c === 'object')
        .map((c) => ({ message: String(c.message ?? ''), username: c.username, time: c.time }))
    : [];

/** The comment commands for this detection, or undefined when its family takes no comments. */
export function commentCommands(d: DetectionRef): CommentCommands | undefined {
  if (d.family === 'model_breach' && /^\d+$/.test(d.nativeId)) {
    const breachIds = [Number(d.nativeId)];
    return {
      read: { command: 'get-comments', body: { breachIds } },
      add: (comment) => ({ command: 'add-comments', body: { breachIds, comment } }),
      comments: (r) => list(r.items?.[0]?.result),
    };
  }
  if (d.family === 'ai_analyst') {
    const eventId = d.nativeId;
    return {
      read: { command: 'get-comments-for-ai-analyst-incident-event', body: { eventId } },
      add: (comment) => ({
        command: 'post-comment-to-ai-analyst-incident-event',
        body: { eventId, comment },
      }),
      comments: (r) => list(r.data),
    };
  }
  return undefined;
}

/** A breach's device for RESPOND and PCAP: its id (did) and first address, when the record names one. */
export function breachDevice(
  d: DetectionRef,
  devices: readonly { id?: number; ips: string[] }[],
): { did: number; ip?: string } | undefined {
  if (d.family !== 'model_breach') return undefined;
  const dev = devices.find((x) => typeof x.id === 'number');
  return dev ? { did: dev.id!, ip: dev.ips[0] } : undefined;
}
