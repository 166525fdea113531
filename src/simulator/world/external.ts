// The simulated internet: external endpoints with their ASN and location, JA3 hashes, URIs and
// user agents that breaches and AI Analyst events draw their observables from.
import type { Rng } from '../prng.ts';
import { DAY } from './devices.ts';

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

export { JA3, URIS, USER_AGENTS };

/** One endpoint per host name, placed in a documentation or CDN block and an ASN. */
export function buildExternals(r: Rng, startedAt: number): ExternalEndpoint[] {
  return EXTERNAL_HOSTS.map((hostname, i) => {
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
}
