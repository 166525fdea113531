// Packet capture commands: request, list and download PCAPs.
import { command } from '../define.ts';
import { ParamError } from '../params.ts';
import { end, seconds, start } from './shared.ts';

const MAX_PCAP_MS = 30 * 60_000;

export const pcapsCommands = [
  command({
    name: 'create-pcap',
    role: 'responder',
    aliases: ['darktrace-create-pcap'],
    description: 'Request a packet capture of at most 30 minutes (default the last 10 minutes)',
    params: [
      {
        name: 'sourceIp',
        type: 'string',
        required: true,
        description: 'source IP (ip1)',
        example: '10.0.0.5',
      },
      { name: 'sourcePort', type: 'integer', min: 1, max: 65_535, description: 'source port (port1)' },
      { name: 'destinationIp', type: 'string', description: 'destination IP (ip2)', example: '203.0.113.7' },
      {
        name: 'destinationPort',
        type: 'integer',
        min: 1,
        max: 65_535,
        description: 'destination port (port2)',
        example: 443,
      },
      start,
      end,
      {
        name: 'protocol',
        type: 'string',
        enum: ['tcp', 'udp'],
        description: 'tcp or udp; needs --destination-ip and --destination-port',
      },
    ],
    output: 'the PCAP request {tmqid, filename, state: "pending", ...}',
    endpoints: ['pcaps.create'],
    validate: (p) => {
      const endMs = p.end ?? Date.now();
      const startMs = p.start ?? endMs - 10 * 60_000;
      if (startMs >= endMs) throw new ParamError('start', 'must be before --end');
      if (endMs - startMs > MAX_PCAP_MS)
        throw new ParamError(
          'end',
          `the capture window is ${Math.round((endMs - startMs) / 60_000)} minutes; at most 30 minutes`,
        );
      if (p.protocol && (p.destinationIp === undefined || p.destinationPort === undefined)) {
        throw new ParamError('protocol', 'needs --destination-ip and --destination-port');
      }
    },
    failure: 'Create PCAP failed.',
    run: (dt, p) => {
      const endMs = p.end ?? Date.now();
      const startMs = p.start ?? endMs - 10 * 60_000;
      return dt.pcaps.create({
        ip1: p.sourceIp,
        port1: p.sourcePort,
        ip2: p.destinationIp,
        port2: p.destinationPort,
        start: seconds(startMs),
        end: seconds(endMs),
        protocol: p.protocol,
      });
    },
  }),
  command({
    name: 'list-pcaps',
    role: 'responder',
    aliases: ['darktrace-list-pcaps'],
    description: 'PCAP requests and their state',
    params: [],
    output: '[{tmqid, filename, state, ip1, ip2, start, end, ...}]',
    endpoints: ['pcaps.list'],
    failure: 'List PCAPs failed.',
    run: (dt) => dt.pcaps.list(),
  }),
  command({
    name: 'download-pcap',
    role: 'responder',
    aliases: ['darktrace-download-pcap'],
    description:
      'Download a finished capture; the bytes are returned base64-encoded (dtc cmd writes them to the file given by --out-file)',
    params: [
      {
        name: 'filename',
        type: 'string',
        required: true,
        description: 'the PCAP filename as listed (with or without /tm/)',
        example: 'DCIP_1_2_10.0.0.5_0_0_0_any_1_m.pcap',
      },
    ],
    output: '{filename, bytes, state, base64}',
    endpoints: ['pcaps.list', 'pcaps.download'],
    failure: 'Download PCAP failed.',
    run: async (dt, p) => {
      const name = String(p.filename).replace(/^\/?tm\//, '');
      const listed = (await dt.pcaps.list()).find((x) => x.filename.replace(/^\/?tm\//, '') === name);
      if (!listed) throw Object.assign(new Error(`no PCAP named ${name}: see list-pcaps`), { status: 404 });
      if (listed.state !== 'finished') {
        throw Object.assign(
          new Error(`the capture is not finished yet (state ${listed.state}): try again shortly`),
          { status: 409 },
        );
      }
      const bytes = await dt.pcaps.download({ filename: name });
      return {
        filename: name,
        bytes: bytes.length,
        state: listed.state,
        base64: Buffer.from(bytes).toString('base64'),
      };
    },
  }),
];
