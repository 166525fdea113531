// The simulated network: subnets, devices (internal, SaaS credentials, the System device), external
// endpoints, tags, metrics, models and their components. Built once from the seed at start; small
// enough to hold in memory (a few hundred records). Breaches and AI Analyst events are derived from it
// lazily (breaches.ts, aianalyst.ts).
import type { Component, Device, Metric, Model, Subnet, Tag } from '../darktrace/types.ts';
import { dtTime, Rng } from './prng.ts';

export type ModelKind =
  | 'beacon'
  | 'tls'
  | 'http'
  | 'dns'
  | 'exfil'
  | 'internal'
  | 'saas'
  | 'system'
  | 'antigena';

/** What a breach saw: the observables its display filters carry. */
export type Observable =
  | 'hostname'
  | 'destip'
  | 'port'
  | 'asn'
  | 'ja3'
  | 'uri'
  | 'useragent'
  | 'internalip'
  | 'internalname'
  | 'saasactor'
  | 'saasservice'
  | 'country'
  | 'sourceip'
  | 'message'
  | 'sysmessage'
  | 'eventdetails'
  | 'bytes'
  | 'percent'
  | 'count'
  | 'dnshost';

export interface FilterSpec {
  id: string;
  filterType: string;
  comparator: string;
  /** Static argument (conditions); display filters have none. */
  argument?: unknown;
  /** Where the trigger value comes from. */
  source: Observable | { fixed: unknown };
}

export interface SimComponent extends Component {
  metric: { mlid: number; name: string; label: string };
  spec: FilterSpec[];
}

export interface SimModel {
  index: number;
  kind: ModelKind;
  model: Model;
  /** `now` differs from `then` for some models (edited since the breach). */
  now: Model;
  components: SimComponent[];
  ports: number[];
  weight: number;
}

export interface ExternalEndpoint {
  hostname: string;
  ip: string;
  asn: string;
  country: string;
  countrycode: string;
  city: string;
  region: string;
  latitude: number;
  longitude: number;
  popularity: number;
  firsttime: number;
}

export interface World {
  seed: number;
  startedAt: number;
  subnets: Subnet[];
  devices: Device[];
  /** Internal (non-SaaS, non-system) devices. */
  internal: Device[];
  saas: Device[];
  system: Device;
  byDid: Map<number, Device>;
  externals: ExternalEndpoint[];
  tags: Tag[];
  metrics: Metric[];
  models: SimModel[];
  byPid: Map<number, SimModel>;
  byUuid: Map<string, SimModel>;
  components: SimComponent[];
  byCid: Map<number, SimComponent>;
  ja3: string[];
  uris: string[];
  userAgents: string[];
  users: string[];
  hostname: string;
}

const DAY = 86_400_000;

const SUBNETS: [string, string, string][] = [
  ['10.10.1.0/24', 'Servers', 'srv'],
  ['10.10.2.0/24', 'Domain Services', 'dc'],
  ['10.20.0.0/22', 'Workstations - Finance', 'ws'],
  ['10.20.4.0/22', 'Workstations - Engineering', 'ws'],
  ['10.30.0.0/23', 'Corporate WiFi', 'lt'],
  ['10.40.0.0/24', 'VPN', 'lt'],
  ['172.16.5.0/24', 'DMZ', 'srv'],
  ['10.50.0.0/24', 'Facilities and IoT', 'iot'],
];

const TYPES: Record<string, { typename: string; typelabel: string; os: string[]; vendor: string[] }> = {
  ws: {
    typename: 'desktop',
    typelabel: 'Desktop',
    os: ['Windows 10 or Windows Server 2016', 'Windows  (10.0)', 'Windows 11'],
    vendor: ['Dell Inc.', 'Hewlett Packard', 'Lenovo'],
  },
  lt: {
    typename: 'laptop',
    typelabel: 'Laptop',
    os: ['macOS 13.x', 'Windows 11', 'Windows 10 or Windows Server 2016', 'FreeBSD'],
    vendor: ['Apple, Inc.', 'Lenovo', 'Intel Corporate', 'Some Vendor'],
  },
  srv: {
    typename: 'server',
    typelabel: 'Server',
    os: ['Linux 3.11 and newer', 'Linux 2.2.x-3.x', 'Windows Server 2019'],
    vendor: ['VMware, Inc.', 'Super Micro Computer, Inc.', ''],
  },
  dc: {
    typename: 'dnsserver',
    typelabel: 'DNS Server',
    os: ['Windows Server 2019', 'Windows  (10.0)'],
    vendor: ['VMware, Inc.'],
  },
  iot: {
    typename: 'iot',
    typelabel: 'IoT Device',
    os: ['Linux 2.2.x-3.x (embedded)', 'Unknown'],
    vendor: ['Axis Communications AB', 'HP Inc.', 'Hikvision'],
  },
};

const FIRST = [
  'anna',
  'ben',
  'chloe',
  'dev',
  'elena',
  'farid',
  'grace',
  'hiro',
  'ines',
  'jon',
  'kate',
  'liam',
];
const LAST = [
  'smith',
  'okafor',
  'nguyen',
  'garcia',
  'mueller',
  'rossi',
  'tanaka',
  'kowalski',
  'dubois',
  'silva',
];
const ROLES = ['web', 'db', 'app', 'file', 'backup', 'build', 'mail', 'proxy', 'vpn', 'log'];
const DEPTS = ['fin', 'eng', 'hr', 'ops', 'sales', 'legal'];

const EXTERNAL_HOSTS = [
  'cdn.update-service.net',
  'api.telemetry-hub.io',
  'files.sharecloud.example',
  'static.adnetwork.example',
  'login.microsoftonline.com',
  'kali.download',
  'cheese.com',
  'pastebin.com',
  'raw.githubusercontent.com',
  'dl.dropboxusercontent.com',
  'transfer.sh',
  'mega.nz',
  'ngrok.io',
  'duckdns.org',
  'xk2h7qpz0v.top',
  'a9f3kd0s2m.xyz',
  'update.windowsupdate.com',
  's3.amazonaws.com',
  'storage.googleapis.com',
  'docs.google.com',
  'zoom.us',
  'slack.com',
  'anydesk.com',
  'teamviewer.com',
  'tor-relay.example.org',
  'bitbucket.org',
  'cdn.jsdelivr.net',
  'track.mailer.example',
  'portal.partner-corp.example',
  'vpn.contractor.example',
];
const ASNS: [string, string, string, string, string, number, number][] = [
  ['AS13335 CLOUDFLARENET', 'United States', 'US', 'San Francisco', 'North America', 37.7749, -122.4194],
  ['AS16509 AMAZON-02', 'United States', 'US', 'Ashburn', 'North America', 39.0438, -77.4874],
  ['AS15169 GOOGLE', 'United States', 'US', 'Mountain View', 'North America', 37.4056, -122.0775],
  [
    'AS8075 MICROSOFT-CORP-MSN-AS-BLOCK',
    'United States',
    'US',
    'San Antonio',
    'North America',
    29.422,
    -98.493,
  ],
  ['AS24940 Hetzner Online GmbH', 'Germany', 'DE', 'Falkenstein', 'Europe', 50.4779, 12.3713],
  ['AS16276 OVH SAS', 'France', 'FR', 'Roubaix', 'Europe', 50.6942, 3.1746],
  ['AS14061 DIGITALOCEAN-ASN', 'Netherlands', 'NL', 'Amsterdam', 'Europe', 52.3676, 4.9041],
  ['AS398722 CENSYS-ARIN-03', 'United States', 'US', 'Ann Arbor', 'North America', 42.2808, -83.743],
  ['AS9009 M247 Europe SRL', 'Romania', 'RO', 'Bucharest', 'Europe', 44.4268, 26.1025],
  ['AS4134 CHINANET-BACKBONE', 'China', 'CN', 'Beijing', 'Asia', 39.9042, 116.4074],
  ['AS45102 Alibaba US Technology Co., Ltd.', 'Singapore', 'SG', 'Singapore', 'Asia', 1.3521, 103.8198],
  ['AS20473 AS-CHOOPA', 'Japan', 'JP', 'Tokyo', 'Asia', 35.6762, 139.6503],
];
const JA3 = [
  '72a589da586844d7f0818ce684948eea',
  'a0e9f5d64349fb13191bc781f81f42e1',
  '6734f37431670b3ab4292b8f60f29984',
  '51c64c77e60f3980eea90869b68c58a8',
  'e7d705a3286e19ea42f587b344ee6865',
  'b32309a26951912be7dba376398abc3b',
  '3b5074b1b5d032e5620f69f9f700ff0e',
  'cd08e31494f9531f560d64c695473da9',
];
const URIS = [
  '/wp-content/plugins/update.php',
  '/api/v2/telemetry',
  '/download/setup_x64.exe',
  '/images/logo.png?id=8f3a',
  '/gate.php',
  '/submit.php?uid=3fa9c',
  '/updates/check',
  '/s/7hd83k/payload.bin',
  '/index.html',
  '/jquery-3.3.1.min.js',
];
const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
  'curl/7.68.0',
  'python-requests/2.31.0',
  'Microsoft-CryptoAPI/10.0',
  'Go-http-client/1.1',
  'Wget/1.21.2',
  'Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.1)',
  'WinHTTP sample/1.0',
  'Nmap Scripting Engine',
];

type ModelTemplate = {
  name: string;
  kind: ModelKind;
  priority: number;
  compliance?: boolean;
  tactics: string[];
  techniques: string[];
  description: string;
  ports?: number[];
  weight?: number;
  weighted?: boolean;
  antigena?: boolean;
  tags?: string[];
  behaviour?: string;
  user?: string;
};

const MODELS: ModelTemplate[] = [
  {
    name: 'Compromise::Beaconing Activity To External Rare',
    kind: 'beacon',
    priority: 4,
    tactics: ['command-and-control'],
    techniques: ['T1071', 'T1071.001', 'T1573'],
    description:
      'A device is making regular connections to a rare external location, which may indicate command and control.\n\nAction: Review the destination and the process making the connections.',
    ports: [443, 80, 8080, 8443],
    weight: 8,
    tags: ['AP: C2 Comms'],
  },
  {
    name: 'Compromise::Sustained TCP Beaconing Activity To Rare Endpoint',
    kind: 'beacon',
    priority: 5,
    tactics: ['command-and-control'],
    techniques: ['T1071', 'T1095'],
    description:
      'A device has been repeatedly connecting to a rare external endpoint over TCP for an extended period.\n\nAction: Check whether the endpoint is a known service; if not, investigate the device.',
    ports: [4444, 8080, 1337, 443],
    weight: 3,
    weighted: true,
    antigena: true,
    tags: ['AP: C2 Comms'],
  },
  {
    name: 'Compromise::HTTP Beaconing to Rare Destination',
    kind: 'http',
    priority: 4,
    tactics: ['command-and-control'],
    techniques: ['T1071.001'],
    description:
      'A device is making regular HTTP requests to a rare external destination.\n\nAction: Review the URIs and user agent for signs of malware.',
    ports: [80, 8080],
    weight: 6,
    tags: ['AP: C2 Comms'],
  },
  {
    name: 'Compromise::SSL Beaconing to Rare Destination',
    kind: 'tls',
    priority: 4,
    tactics: ['command-and-control'],
    techniques: ['T1573', 'T1071.001'],
    description:
      'A device is beaconing over SSL to a rare external endpoint, with a JA3 client fingerprint that is unusual for the network.\n\nAction: Review the JA3 hash and the destination.',
    ports: [443, 8443],
    weight: 6,
    tags: ['AP: C2 Comms'],
  },
  {
    name: 'Anomalous File::EXE from Rare External Location',
    kind: 'http',
    priority: 4,
    tactics: ['command-and-control'],
    techniques: ['T1105'],
    description:
      'A device downloaded an executable file from a rare external location.\n\nAction: Review the file and the destination; check the device for unexpected processes.',
    ports: [80, 443],
    weight: 5,
    antigena: true,
    tags: ['AP: Tooling'],
  },
  {
    name: 'Anomalous File::Masqueraded File Transfer',
    kind: 'http',
    priority: 4,
    tactics: ['defense-evasion'],
    techniques: ['T1036'],
    description:
      'A file was transferred whose content does not match its extension.\n\nAction: Review the transferred file and the source.',
    ports: [80, 8080],
    weight: 3,
    tags: ['AP: Tooling'],
  },
  {
    name: 'Anomalous Connection::Data Sent to Rare Domain',
    kind: 'exfil',
    priority: 4,
    tactics: ['exfiltration'],
    techniques: ['T1041'],
    description:
      'A device has sent an unusually large volume of data to a rare external domain.\n\nAction: Confirm whether the transfer is legitimate business activity.',
    ports: [443, 80],
    weight: 5,
    antigena: true,
    tags: ['AP: Egress'],
  },
  {
    name: 'Anomalous Connection::Uncommon 1 GiB Outbound',
    kind: 'exfil',
    priority: 2,
    tactics: ['exfiltration'],
    techniques: ['T1041', 'T1567.002'],
    description:
      'A device is moving large volumes of data (1GiB+) out of the network within a short period of time. \n\nAction: Investigate if the external data transfer is a legitimate business activity or a loss of corporate data.',
    ports: [443, 22, 21],
    weight: 4,
    tags: ['AP: Egress', 'OT Engineer'],
  },
  {
    name: 'Unusual Activity::Unusual External Data Transfer',
    kind: 'exfil',
    priority: 3,
    tactics: ['exfiltration'],
    techniques: ['T1048'],
    description:
      'A device is transferring more data to an external location than is normal for it.\n\nAction: Review the destination and the volume.',
    ports: [443],
    weight: 6,
  },
  {
    name: 'Device::Suspicious Domain',
    kind: 'dns',
    priority: 3,
    tactics: ['command-and-control'],
    techniques: ['T1071.004'],
    description:
      'A device looked up a domain with a suspicious top-level domain or a low reputation.\n\nAction: Review the domain.',
    weight: 6,
  },
  {
    name: 'Compromise::DGA Beacon',
    kind: 'dns',
    priority: 5,
    tactics: ['command-and-control'],
    techniques: ['T1568.002'],
    description:
      'A device is looking up many algorithmically generated domain names, a common malware trait.\n\nAction: Investigate the device for malware.',
    weight: 2,
    antigena: true,
    tags: ['AP: C2 Comms'],
  },
  {
    name: 'Compromise::Watched Domain',
    kind: 'dns',
    priority: 5,
    tactics: ['command-and-control'],
    techniques: ['T1071.004'],
    description:
      'A device connected to a domain on the watched domains list.\n\nAction: Review why the domain was watched and the connection.',
    weight: 2,
  },
  {
    name: 'Device::Attack and Recon Tools',
    kind: 'http',
    priority: 5,
    tactics: ['reconnaissance', 'discovery'],
    techniques: ['T1595', 'T1046'],
    description:
      'A device is using a user agent or a JA3 fingerprint associated with attack and reconnaissance tools.\n\nAction: Verify whether this is an authorised penetration test.',
    ports: [80, 443, 8080],
    weight: 2,
    weighted: true,
    tags: ['AP: Internal Recon'],
  },
  {
    name: 'Device::Network Scan',
    kind: 'internal',
    priority: 3,
    tactics: ['discovery'],
    techniques: ['T1046'],
    description:
      'A device is connecting to a large number of internal IPs and ports.\n\nAction: Check whether the device is an authorised scanner.',
    ports: [22, 80, 135, 139, 443, 445, 3389],
    weight: 6,
    tags: ['AP: Scanning'],
  },
  {
    name: 'Anomalous Connection::SMB Enumeration',
    kind: 'internal',
    priority: 4,
    tactics: ['discovery'],
    techniques: ['T1135'],
    description:
      'A device is enumerating SMB shares across the network.\n\nAction: Review the device and the accounts in use.',
    ports: [445],
    weight: 4,
    tags: ['AP: Internal Recon'],
  },
  {
    name: 'Compromise::Ransomware::Ransom or Offensive Words Written to SMB',
    kind: 'internal',
    priority: 5,
    tactics: ['impact'],
    techniques: ['T1486'],
    description:
      'A device is writing suspicious terms to network file shares that may indicate a ransom note.\n\nAction: Isolate the device and review the files written.',
    ports: [445],
    weight: 1,
    weighted: true,
    antigena: true,
    tags: ['AP: Exploit'],
  },
  {
    name: 'Anomalous Connection::Unusual Admin RDP Session',
    kind: 'internal',
    priority: 4,
    tactics: ['lateral-movement'],
    techniques: ['T1021.001'],
    description:
      'A device has made an unusual administrative RDP connection to an internal server.\n\nAction: Confirm the session with the user.',
    ports: [3389],
    weight: 4,
    tags: ['AP: Lateral'],
  },
  {
    name: 'Unusual Activity::Extensive Unusual SSH Connections',
    kind: 'internal',
    priority: 4,
    tactics: ['lateral-movement'],
    techniques: ['T1021.004'],
    description:
      'A device is making unusual internal SSH connections to a wide range of devices.\n\nAction: Review the accounts used and the destinations.',
    ports: [22],
    weight: 4,
    tags: ['AP: Lateral'],
  },
  {
    name: 'Anomalous Connection::New User Agent to IP Without Hostname',
    kind: 'http',
    priority: 4,
    tactics: ['command-and-control'],
    techniques: ['T1071.001'],
    description:
      'A device made HTTP requests with a new user agent directly to an IP address.\n\nAction: Review the user agent and the requests.',
    ports: [80, 8080],
    weight: 5,
  },
  {
    name: 'Compliance::Tor Usage',
    kind: 'tls',
    priority: 2,
    compliance: true,
    tactics: ['command-and-control'],
    techniques: ['T1090.003'],
    description:
      'A device is connecting to the Tor network.\n\nAction: Check whether Tor is permitted by policy.',
    ports: [9001, 443],
    weight: 3,
  },
  {
    name: 'Compliance::Remote Desktop Program Usage',
    kind: 'tls',
    priority: 1,
    compliance: true,
    tactics: ['command-and-control'],
    techniques: ['T1219'],
    description:
      'A device is using a remote desktop program to an external destination.\n\nAction: Confirm the use is approved.',
    ports: [443, 5938],
    weight: 4,
  },
  {
    name: 'Compliance::Possible Unencrypted Password File On Server',
    kind: 'internal',
    priority: 1,
    compliance: true,
    tactics: ['credential-access'],
    techniques: ['T1552.001'],
    description:
      'A file whose name suggests it contains passwords was read from a server.\n\nAction: Review the file and its permissions.',
    ports: [445],
    weight: 3,
  },
  {
    name: 'SaaS::Access::Unusual External Source for SaaS Credential Use',
    kind: 'saas',
    priority: 4,
    tactics: ['initial-access'],
    techniques: ['T1078.004'],
    description:
      'A SaaS credential was used from an unusual external location.\n\nAction: Confirm the login with the user.',
    weight: 4,
    tags: ['AP: SaaS Access'],
  },
  {
    name: 'SaaS::Admin::User Added To Admin Group',
    kind: 'saas',
    priority: 5,
    tactics: ['privilege-escalation'],
    techniques: ['T1098'],
    description:
      'A SaaS user was added to an administrative group.\n\nAction: Confirm the change was authorised.',
    weight: 2,
    tags: ['AP: SaaS Admin'],
  },
  {
    name: 'SaaS::Compliance::Multiple Unusual External Sources For SaaS Credential',
    kind: 'saas',
    priority: 2,
    compliance: true,
    tactics: ['initial-access'],
    techniques: ['T1078'],
    description:
      'A SaaS credential was used from several unusual external sources.\n\nAction: Review the sign-in history.',
    weight: 2,
  },
  {
    name: 'System::System',
    kind: 'system',
    priority: 3,
    tactics: [],
    techniques: [],
    description:
      'An issue with the system has been detected. This system alert is generated for system information that may merit further investigation. This may be due to things like probes failing to connect.\n\nAction: Review the system message. Use the status page to see additional system information that may help with diagnostics.',
    weight: 1,
    behaviour: 'decreasing',
  },
  {
    name: 'Antigena::Network::External Threat::Antigena Suspicious File Block',
    kind: 'antigena',
    priority: 5,
    tactics: ['command-and-control'],
    techniques: ['T1105'],
    description:
      'Antigena response to a suspicious file download: connections to the source are blocked.\n\nAction: Review the triggering breach.',
    weight: 2,
    weighted: true,
    antigena: true,
  },
  {
    name: 'Antigena::Network::Significant Anomaly::Antigena Breaches Over Time Block',
    kind: 'antigena',
    priority: 4,
    tactics: [],
    techniques: [],
    description:
      'Antigena response to a device with many model breaches over time.\n\nAction: Review the device.',
    weight: 1,
    antigena: true,
  },
  {
    name: 'Testing::Cheese-y DNS',
    kind: 'dns',
    priority: 3,
    tactics: [],
    techniques: [],
    description: 'DNS lookups for various cheese.com',
    weight: 1,
    user: 'user.name',
    tags: ['Cats'],
    behaviour: 'flat',
  },
];

export const METRICS: Metric[] = [
  ['connections', 'Connections', 'connections'],
  ['dnsrequests', 'DNS Requests', 'requests'],
  ['externalconnections', 'External Connections', 'connections'],
  ['externaldatatransfervolume', 'External Data Transfer', 'bytes'],
  ['internalconnections', 'Internal Connections', 'connections'],
  ['httprequests', 'HTTP Requests', 'requests'],
  ['sslconnections', 'SSL Connections', 'connections'],
  ['smbwrites', 'SMB Writes', 'writes'],
  ['uniqueports', 'Unique Ports', 'ports'],
  ['saasevents', 'SaaS Events', 'events'],
  ['dtsystem', 'System', 'events'],
  ['dtmodelbreach', 'Model', 'breaches'],
  ['datatransfervolume', 'Data Transfer', 'bytes'],
  ['unusualconnections', 'Unusual Connections', 'connections'],
].map(([name, label, units], i) => ({
  mlid: [1, 11, 12, 13, 14, 15, 16, 18, 20, 30, 207, 234, 17, 21][i],
  name,
  label,
  units,
  filtertypes: ['Direction', 'Destination port', 'Protocol', 'Application protocol', 'Connection hostname'],
  unitsinterval: 3600,
  lengthscale: 600,
}));

const METRIC_FOR: Record<ModelKind, string> = {
  beacon: 'externalconnections',
  tls: 'sslconnections',
  http: 'httprequests',
  dns: 'dnsrequests',
  exfil: 'externaldatatransfervolume',
  internal: 'internalconnections',
  saas: 'saasevents',
  system: 'dtsystem',
  antigena: 'dtmodelbreach',
};

/** Condition filters (lettered) and display filters (d1, d2, ...) per kind of model. */
function filtersFor(kind: ModelKind, name: string): FilterSpec[] {
  const display = (obs: [string, Observable][]): FilterSpec[] =>
    obs.map(([filterType, source], i) => ({ id: `d${i + 1}`, filterType, comparator: 'display', source }));
  switch (kind) {
    case 'beacon':
      return [
        { id: 'A', filterType: 'Rare external endpoint', comparator: '>', argument: 95, source: 'percent' },
        { id: 'B', filterType: 'Beaconing score', comparator: '>', argument: 60, source: 'percent' },
        { id: 'C', filterType: 'Direction', comparator: 'is', argument: 'out', source: { fixed: 'out' } },
        { id: 'D', filterType: 'Connection count', comparator: '>', argument: 10, source: 'count' },
        ...display([
          ['Connection hostname', 'hostname'],
          ['Destination IP', 'destip'],
          ['Destination port', 'port'],
          ['ASN', 'asn'],
        ]),
      ];
    case 'tls':
      return [
        { id: 'A', filterType: 'Rare external endpoint', comparator: '>', argument: 90, source: 'percent' },
        {
          id: 'B',
          filterType: 'Application protocol',
          comparator: 'is',
          argument: 'SSL',
          source: { fixed: 'SSL' },
        },
        ...display([
          ['Connection hostname', 'hostname'],
          ['Destination IP', 'destip'],
          ['Destination port', 'port'],
          ['JA3 hash', 'ja3'],
          ['ASN', 'asn'],
        ]),
      ];
    case 'http':
      return [
        {
          id: 'A',
          filterType: 'New or uncommon occurrence',
          comparator: '>',
          argument: 95,
          source: 'percent',
        },
        { id: 'B', filterType: 'Rare external IP', comparator: '>', argument: 10, source: 'percent' },
        {
          id: 'C',
          filterType: 'Application protocol',
          comparator: 'is',
          argument: 'HTTP',
          source: { fixed: 'HTTP' },
        },
        { id: 'D', filterType: 'Direction', comparator: 'is', argument: 'out', source: { fixed: 'out' } },
        ...display([
          ['Connection hostname', 'hostname'],
          ['Destination IP', 'destip'],
          ['Destination port', 'port'],
          ['URI', 'uri'],
          ['User agent', 'useragent'],
          ['ASN', 'asn'],
        ]),
      ];
    case 'dns':
      return [
        {
          id: 'A',
          filterType: 'DNS host lookup',
          comparator: name.startsWith('Testing') ? 'contains' : 'matches regular expression',
          argument: name.startsWith('Testing') ? 'cheese.com' : '.+',
          source: 'dnshost',
        },
        ...display([
          ['DNS host lookup', 'dnshost'],
          ['Destination IP', 'destip'],
        ]),
      ];
    case 'exfil':
      return [
        { id: 'A', filterType: 'Data ratio', comparator: '>', argument: 0.9, source: { fixed: '0.97' } },
        { id: 'B', filterType: 'Total bytes out', comparator: '>', argument: 1073741824, source: 'bytes' },
        ...display([
          ['Connection hostname', 'hostname'],
          ['Destination IP', 'destip'],
          ['Destination port', 'port'],
          ['ASN', 'asn'],
        ]),
      ];
    case 'internal':
      return [
        { id: 'A', filterType: 'Unique destination IPs', comparator: '>', argument: 20, source: 'count' },
        { id: 'B', filterType: 'Direction', comparator: 'is', argument: 'out', source: { fixed: 'out' } },
        {
          id: 'C',
          filterType: 'Internal destination',
          comparator: 'is',
          argument: true,
          source: { fixed: 'true' },
        },
        ...display([
          ['Destination IP', 'internalip'],
          ['Destination port', 'port'],
          ['Internal destination device name', 'internalname'],
        ]),
      ];
    case 'saas':
      return [
        {
          id: 'A',
          filterType: 'SaaS event type',
          comparator: 'is',
          argument: 'Add member to role.',
          source: { fixed: 'Add member to role.' },
        },
        { id: 'B', filterType: 'Unusual ASN for SaaS', comparator: '>', argument: 90, source: 'percent' },
        { id: 'C', filterType: 'Unusual country for SaaS', comparator: '>', argument: 90, source: 'percent' },
        ...display([
          ['SaaS actor', 'saasactor'],
          ['SaaS service', 'saasservice'],
          ['Source IP', 'sourceip'],
          ['Country', 'country'],
          ['ASN', 'asn'],
        ]),
      ];
    case 'system':
      return [
        {
          id: 'A',
          filterType: 'Event details',
          comparator: 'does not contain',
          argument: 'analyze credential ignore list',
          source: 'eventdetails',
        },
        {
          id: 'B',
          filterType: 'System message',
          comparator: 'is',
          argument: 'Probe error',
          source: 'sysmessage',
        },
        ...display([
          ['Event details', 'eventdetails'],
          ['System message', 'sysmessage'],
        ]),
      ];
    case 'antigena':
      return [
        { id: 'A', filterType: 'Counter seconds', comparator: '=', argument: 120, source: { fixed: 120 } },
        { id: 'B', filterType: 'Strength', comparator: '>', argument: 50, source: 'percent' },
        {
          id: 'C',
          filterType: 'Message',
          comparator: 'does not contain',
          argument: 'compliance',
          source: 'message',
        },
        ...display([['Message', 'message']]),
      ];
  }
}

/**
 * A logic tree as the appliance nests it: one condition alone is `{left: "A"}`; more are an OR of
 * AND-chains that share the first condition, e.g. `(A AND B AND D) OR (A AND C AND D)`.
 */
function logicTree(ids: string[]): unknown {
  const chain = (xs: string[]): unknown =>
    xs.length === 1 ? xs[0] : { left: xs[0], operator: 'AND', right: chain(xs.slice(1)) };
  if (ids.length === 1) return { left: ids[0] };
  if (ids.length === 2) return chain(ids);
  const [a, b, c, ...rest] = ids;
  return { left: chain([a, b, ...rest]), operator: 'OR', right: chain([a, c, ...rest]) };
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function ipInSubnet(network: string, host: number): string {
  const [base, bits] = network.split('/');
  const o = base.split('.').map(Number);
  const n =
    (((o[0] << 24) | (o[1] << 16) | (o[2] << 8) | o[3]) >>> 0) + (host % (2 ** (32 - Number(bits)) - 2)) + 1;
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function buildWorld(seed: number, startedAt: number, hostname = 'dt-sim.example.local'): World {
  const r = new Rng(seed);
  const subnets: Subnet[] = SUBNETS.map(([network, label], i) => ({
    sid: 10 + i * 3,
    auto: i % 3 !== 0,
    dhcp: label.includes('Work') || label.includes('WiFi') || label === 'VPN',
    firstSeen: startedAt - (400 + r.int(0, 300)) * DAY,
    lastSeen: startedAt - r.int(0, 600) * 1000,
    label,
    latitude: 51.5072,
    longitude: -0.1276,
    network,
    shid: 100 + i,
    uniqueHostnames: label !== 'Facilities and IoT',
    uniqueUsernames: label.includes('Work') || label === 'VPN',
    confidence: -1,
    lastDHCP: startedAt - r.int(1, 3600) * 1000,
    dhcpCount: r.int(0, 5000),
    kerberosCount: r.int(0, 20000),
    dhcpQuality: r.int(0, 100),
    kerberosQuality: r.int(0, 100),
    recentTrafficPercent: r.int(0, 40),
    clientDevices: 0,
    serverDevices: 0,
    icsDevices: 0,
    mostRecentTraffic: startedAt - r.int(1, 600) * 1000,
  }));

  const devices: Device[] = [];
  const internal: Device[] = [];
  let did = 10;
  const usedHostnames = new Set<string>();
  for (const [si, [network, , kind]] of SUBNETS.entries()) {
    const sub = subnets[si];
    const n = kind === 'dc' ? 4 : kind === 'srv' ? 28 : kind === 'iot' ? 16 : 42;
    for (let h = 0; h < n; h++) {
      const t = TYPES[kind];
      const first = r.pick(FIRST);
      const last = r.pick(LAST);
      let hostname: string | undefined;
      if (kind === 'ws') hostname = `ws-${r.pick(DEPTS)}-${String(r.int(1, 999)).padStart(3, '0')}`;
      else if (kind === 'lt') hostname = r.chance(0.5) ? `lt-${first[0]}${last}` : `MacBook-Pro-${first}`;
      else if (kind === 'srv') hostname = `srv-${r.pick(ROLES)}-${pad2(r.int(1, 20))}`;
      else if (kind === 'dc') hostname = `dc${pad2(h + 1)}.corp.example.local`;
      else
        hostname = r.chance(0.5)
          ? `cam-${r.pick(['lobby', 'dock', 'floor2', 'car-park'])}-${pad2(h)}`
          : undefined;
      if (hostname && usedHostnames.has(hostname)) hostname = `${hostname}-${h}`;
      if (hostname) usedHostnames.add(hostname);
      const ip = ipInSubnet(network, r.int(0, 250) + h * 3);
      const firstSeen = startedAt - r.int(30, 900) * DAY - r.int(0, DAY);
      const lastSeen = startedAt - r.int(0, 3600) * 1000;
      const mac = Array.from({ length: 6 }, () => r.int(0, 255).toString(16).padStart(2, '0')).join(':');
      const ipTime = Math.floor(lastSeen / 3_600_000) * 3_600_000;
      const d: Device = {
        did,
        macaddress: mac,
        vendor: r.pick(t.vendor),
        ip,
        ips: [{ ip, timems: ipTime, time: dtTime(ipTime), sid: sub.sid }],
        sid: sub.sid,
        ...(hostname ? { hostname } : {}),
        firstSeen,
        lastSeen,
        os: r.pick(t.os),
        devicelabel: kind === 'srv' && r.chance(0.3) ? `${hostname ?? 'server'} (prod)` : '',
        typename: t.typename,
        typelabel: t.typelabel,
      };
      if (kind === 'srv' && r.chance(0.3)) d.priority = r.int(1, 5);
      if (kind === 'lt' || kind === 'ws') d.credentials = [{ credential: `${first}.${last}`, lastSeen }];
      devices.push(d);
      internal.push(d);
      did += r.chance(0.1) ? 2 : 1;
    }
  }
  const saas: Device[] = [];
  const saasModules = ['Office365', 'AzureActiveDirectory', 'GoogleWorkspace', 'Salesforce'];
  for (let i = 0; i < 30; i++) {
    const mod = saasModules[i % saasModules.length];
    const user = `${FIRST[i % FIRST.length]}.${LAST[(i * 7) % LAST.length]}@corp.example.com`;
    const d: Device = {
      did: did++,
      sid: -9,
      saasmodule: mod,
      hostname: `SaaS::${mod}: ${user}`,
      firstSeen: startedAt - r.int(60, 700) * DAY,
      lastSeen: startedAt - r.int(0, 7200) * 1000,
      typename: 'saasprovider',
      typelabel: 'SaaS Provider',
      credentials: [{ credential: user, lastSeen: startedAt - r.int(0, 7200) * 1000 }],
    };
    devices.push(d);
    saas.push(d);
  }
  const system: Device = { did: -1 };
  const byDid = new Map<number, Device>(devices.map((d) => [d.did, d]));
  byDid.set(-1, system);

  const externals: ExternalEndpoint[] = EXTERNAL_HOSTS.map((hostname, i) => {
    const a = ASNS[(i * 5 + r.int(0, 3)) % ASNS.length];
    const block = ['192.0.2', '198.51.100', '203.0.113', '185.199.108', '104.16.132', '45.33.32'][i % 6];
    return {
      hostname,
      ip: `${block}.${r.int(2, 250)}`,
      asn: a[0],
      country: a[1],
      countrycode: a[2],
      city: a[3],
      region: a[4],
      latitude: a[5],
      longitude: a[6],
      popularity: r.int(0, 100),
      firsttime: startedAt - r.int(1, 500) * DAY,
    };
  });

  const tagNames: [string, number, string][] = [
    ['Admin', 200, 'Administrative workstation'],
    ['Antigena All', 200, ''],
    ['Internet Facing System', 110, 'Exposed to the internet'],
    ['High Risk', 0, 'Under investigation'],
    ['Key Asset', 60, ''],
    ['Guest', 300, ''],
    ['Security Device', 180, 'Scanner or security tool'],
    ['OT Engineer', 30, ''],
    ['Re-Activated Device', 250, ''],
    ['No Antigena', 330, 'Never act on this device'],
  ];
  const tags: Tag[] = tagNames.map(([name, color, description], i) => ({
    tid: [9, 13, 54, 17, 21, 25, 33, 41, 47, 52][i],
    expiry: 0,
    thid: [9, 13, 54, 17, 21, 25, 33, 41, 47, 52][i],
    name,
    restricted: i < 2,
    data: { auto: false, color, description, visibility: i % 2 ? '' : 'Public' },
    isReferenced: i < 4,
  }));

  const models: SimModel[] = [];
  const components: SimComponent[] = [];
  let pid = 40 + r.int(0, 20);
  let cid = 2000 + r.int(0, 500);
  const metricByName = new Map(METRICS.map((m) => [m.name, m]));
  for (const [index, t] of MODELS.entries()) {
    pid += r.int(1, 30);
    const phid = pid * 10 + r.int(0, 9);
    const nComp = t.weighted ? r.int(2, 3) : 1;
    const comps: SimComponent[] = [];
    for (let c = 0; c < nComp; c++) {
      cid += r.int(1, 9);
      const spec = filtersFor(t.kind, t.name);
      const metric = metricByName.get(METRIC_FOR[t.kind])!;
      const conditions = spec.filter((f) => f.comparator !== 'display').map((f) => f.id);
      const comp: SimComponent = {
        cid,
        chid: cid + 1200 + r.int(0, 99),
        mlid: metric.mlid,
        threshold: t.kind === 'internal' ? r.int(1, 20) : r.int(0, 1),
        interval: [120, 300, 3600, 3600, 86400][r.int(0, 4)],
        logic: { data: logicTree(conditions), version: 'v0.1' },
        filters: [],
        active: true,
        metric: { mlid: metric.mlid, name: metric.name, label: metric.label },
        spec,
      };
      let cfid = cid * 10;
      comp.filters = spec.map((f) => ({
        id: f.id,
        cfid: ++cfid,
        cfhid: cfid + 4_000_000,
        filtertype: f.filterType,
        comparator: f.comparator,
        arguments: f.argument === undefined ? {} : { value: f.argument },
      }));
      comps.push(comp);
      components.push(comp);
    }
    const sys = !t.user;
    const created = t.user ? { by: t.user, userID: 4 } : { by: 'System' };
    const modified = dtTime(startedAt - r.int(20, 400) * DAY).slice(0, 19);
    const antigenaAction = t.antigena
      ? { action: 'automatic', confirm: false, duration: 3600, threshold: String(r.int(10, 60)) }
      : {};
    const model: Model = {
      name: t.name,
      pid,
      phid,
      uuid: r.uuid(),
      logic: t.weighted
        ? {
            data: comps.map((c) => ({ cid: c.cid, weight: 1 })),
            targetScore: 1,
            type: 'weightedComponentList',
            version: 1,
          }
        : { data: comps.map((c) => c.cid), type: 'componentList', version: 1 },
      throttle: [3600, 86400, 604800, 10][index % 4],
      sharedEndpoints: index % 5 === 0,
      actions: {
        alert: true,
        antigena: antigenaAction,
        breach: true,
        model: true,
        setPriority: false,
        setTag: false,
        setType: false,
      },
      tags: t.tags ?? [],
      interval: t.kind === 'internal' ? 3600 : 0,
      delay: 0,
      sequenced: !t.weighted,
      active: true,
      modified,
      activeTimes: { devices: {}, tags: {}, type: 'exclusions', version: 2 },
      autoUpdatable: sys,
      autoUpdate: true,
      autoSuppress: t.kind !== 'system' ? index % 3 !== 0 : true,
      description: t.description,
      behaviour: t.behaviour ?? (index % 4 === 0 ? 'incdec1' : 'decreasing'),
      defeats:
        t.kind === 'exfil' || t.kind === 'tls'
          ? [
              {
                arguments: { value: 'update.windowsupdate.com' },
                comparator: 'matches',
                defeatID: 1,
                filtertype: 'Connection hostname',
              },
            ]
          : [],
      created: created as { by: string },
      edited: (sys ? { by: index % 2 ? 'System' : 'Nobody' } : { by: t.user!, userID: 4 }) as { by: string },
      version: r.int(3, 80),
      priority: t.priority,
      category: t.priority >= 5 ? 'Critical' : t.priority === 4 ? 'Suspicious' : 'Informational',
      compliance: !!t.compliance,
      mitre: { tactics: t.tactics, techniques: t.techniques },
    };
    const now: Model =
      index % 4 === 1 || t.user
        ? { ...model, message: t.user ? 'added tags' : 'Tuned to reduce noise', version: model.version + 1 }
        : model;
    models.push({
      index,
      kind: t.kind,
      model,
      now,
      components: comps,
      ports: t.ports ?? [53],
      weight: t.weight ?? 1,
    });
  }
  return {
    seed,
    startedAt,
    subnets,
    devices,
    internal,
    saas,
    system,
    byDid,
    externals,
    tags,
    metrics: METRICS,
    models,
    byPid: new Map(models.map((m) => [m.model.pid, m])),
    byUuid: new Map(models.map((m) => [m.model.uuid, m])),
    components,
    byCid: new Map(components.map((c) => [c.cid, c])),
    ja3: JA3,
    uris: URIS,
    userAgents: USER_AGENTS,
    users: FIRST.map((f, i) => `${f}.${LAST[i % LAST.length]}`),
    hostname,
  };
}
