// The simulated appliance's model templates: name, kind, priority, MITRE tactics and techniques, ports,
// weight and who edited it. Data only; world/models.ts numbers them and builds their components.
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

export type ModelTemplate = {
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

export const MODELS: ModelTemplate[] = [
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

/** MITRE ATT&CK names of the techniques the generated models use. */
export const TECHNIQUES: Record<string, string> = {
  T1071: 'Application Layer Protocol',
  'T1071.001': 'Web Protocols',
  'T1071.004': 'DNS',
  T1573: 'Encrypted Channel',
  T1095: 'Non-Application Layer Protocol',
  T1105: 'Ingress Tool Transfer',
  T1036: 'Masquerading',
  T1041: 'Exfiltration Over C2 Channel',
  'T1567.002': 'Exfiltration to Cloud Storage',
  T1048: 'Exfiltration Over Alternative Protocol',
  'T1568.002': 'Domain Generation Algorithms',
  T1595: 'Active Scanning',
  T1046: 'Network Service Discovery',
  T1135: 'Network Share Discovery',
  T1486: 'Data Encrypted for Impact',
  'T1021.001': 'Remote Desktop Protocol',
  'T1021.004': 'SSH',
  'T1090.003': 'Multi-hop Proxy',
  T1219: 'Remote Access Software',
  'T1552.001': 'Credentials In Files',
  'T1078.004': 'Cloud Accounts',
  T1098: 'Account Manipulation',
  T1078: 'Valid Accounts',
};
