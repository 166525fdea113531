// The AI Analyst incident stories: what an incident event's title, summary, tactics and related model
// names are drawn from (aianalyst.ts). Data only; which story a group tells is the timeline's choice.
export interface Story {
  title: string;
  summariser: string;
  tactics: string[];
  phases: number[];
  category: string;
  models: string[];
  saas?: boolean;
  summary: string;
}

export const STORIES: Story[] = [
  {
    title: 'Possible SSL Command and Control',
    summariser: 'BeaconSummary',
    tactics: ['command-and-control'],
    phases: [5],
    category: 'critical',
    models: ['SSL Beaconing', 'Beaconing Activity To External Rare', 'Sustained TCP Beaconing'],
    summary:
      'The device {device} was observed making repeated SSL connections to the rare external endpoint {endpoint}.\n\nThough this behaviour could be the result of legitimate software, it could also be a sign of command and control activity by malware.\n\nConsequently, if this activity was not expected, the security team may wish to investigate further.',
  },
  {
    title: 'Possible HTTP Command and Control',
    summariser: 'HttpC2Summary',
    tactics: ['command-and-control'],
    phases: [5],
    category: 'critical',
    models: ['HTTP Beaconing', 'New User Agent to IP', 'EXE from Rare External'],
    summary:
      'The device {device} was observed making HTTP requests to {endpoint} with an unusual user agent.\n\nThis may indicate command and control communication.',
  },
  {
    title: 'Port Scanning',
    summariser: 'ScanSummary',
    tactics: ['discovery'],
    phases: [4],
    category: 'suspicious',
    models: ['Network Scan', 'SMB Enumeration'],
    summary:
      'The device {device} was observed making connections to a wide range of internal ports and devices.\n\nThis could be an authorised scanner or a sign of reconnaissance by a compromised machine.',
  },
  {
    title: 'Extensive Unusual SSH Connections',
    summariser: 'AdminConnSummary',
    tactics: ['lateral-movement'],
    phases: [5],
    category: 'critical',
    models: ['Extensive Unusual SSH', 'Unusual Admin RDP'],
    summary:
      'The device {device} was observed making unusual internal SSH connections to a wide range of devices.\n\nThough this behaviour could be the result of legitimate remote access or administration, it could also be a sign of attempted lateral movement by a compromised machine.\n\nConsequently, if this activity was not expected, the security team may wish to investigate further.',
  },
  {
    title: 'Unusual External Data Transfer',
    summariser: 'ExfilSummary',
    tactics: ['exfiltration'],
    phases: [6],
    category: 'suspicious',
    models: ['Data Sent to Rare Domain', 'Uncommon 1 GiB', 'Unusual External Data Transfer'],
    summary:
      'The device {device} was observed transferring an unusually large volume of data to {endpoint}.\n\nIf this transfer was not expected, it could be a sign of data exfiltration.',
  },
  {
    title: 'Possible Hijack of Office365 Account',
    summariser: 'SaasHijackSummary',
    tactics: ['privilege-escalation'],
    phases: [3],
    category: 'critical',
    models: [
      'User Added To Admin Group',
      'Unusual External Source for SaaS',
      'Multiple Unusual External Sources',
    ],
    saas: true,
    summary:
      'The SaaS actor {device} was observed making suspicious requests over a configured SaaS service.\n\nThough this behaviour could be the result of legitimate service usage or administration, it could also be a sign of this actor\u2019s account being hijacked by a malicious actor.',
  },
  {
    title: 'Suspicious DNS Activity',
    summariser: 'DnsSummary',
    tactics: ['command-and-control'],
    phases: [5],
    category: 'suspicious',
    models: ['DGA Beacon', 'Suspicious Domain', 'Watched Domain'],
    summary: 'The device {device} was observed looking up unusual domains such as {endpoint}.',
  },
  {
    title: 'Possible Encryption of Files over SMB',
    summariser: 'RansomwareSummary',
    tactics: ['impact'],
    phases: [7],
    category: 'critical',
    models: ['Ransom or Offensive Words', 'SMB Enumeration'],
    summary:
      'The device {device} was observed writing files with unusual extensions and ransom terms to SMB shares.\n\nThis could be a sign of ransomware activity.',
  },
];
