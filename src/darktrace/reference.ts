// Every endpoint the API reference (docs/darktrace-api.md) lists, with its section. An endpoint the
// catalog (endpoints.ts) does not implement carries the reason next to it; the coverage report
// (`dtc endpoints`) and test/darktrace/reference.test.ts read this table, and the test fails when an
// endpoint is neither in the catalog nor given a reason, or when a reason is left on one that now is.

import type { HttpMethod } from './endpoints.ts';
import { EMAIL_BASE } from './endpoints.ts';

export interface ReferenceEndpoint {
  method: HttpMethod;
  /** The path as the catalog writes it (`{name}` placeholders; /EMAIL under its first base path). */
  path: string;
  /** Section of the API reference. */
  doc: string;
  /** Why the catalog leaves it out. Absent: the catalog implements it. */
  reason?: string;
}

const E = EMAIL_BASE;
const EMAIL_LATER =
  'a /EMAIL console feature outside the SOC commands and the alert poller; its answer shape is not in the reference or the fixtures (§15), so an SDK method would have no type and the simulator no fidelity source';

export const referenceEndpoints: readonly ReferenceEndpoint[] = [
  // §6 model breaches
  { method: 'GET', path: '/modelbreaches', doc: '§6.1' },
  { method: 'GET', path: '/modelbreaches/{pbid}', doc: '§6.1' },
  { method: 'POST', path: '/modelbreaches/{pbid}/acknowledge', doc: '§6.2' },
  { method: 'POST', path: '/modelbreaches/{pbid}/unacknowledge', doc: '§6.2' },
  { method: 'GET', path: '/modelbreaches/{pbid}/comments', doc: '§6.3' },
  { method: 'POST', path: '/modelbreaches/{pbid}/comments', doc: '§6.3' },
  { method: 'GET', path: '/mbcomments', doc: '§6.3' },
  {
    method: 'GET',
    path: '/mbcomments/{id}',
    doc: '§6.3',
    reason:
      'seen only in one SDK’s code and unconfirmed by the guide or any captured answer; GET /mbcomments?pbid= reads the same comments',
  },
  {
    method: 'POST',
    path: '/mbcomments',
    doc: '§6.3',
    reason:
      'seen only in one SDK’s code ({breachid, comment}), unconfirmed; POST /modelbreaches/{pbid}/comments is the documented way to comment',
  },
  // §7 AI Analyst
  { method: 'GET', path: '/aianalyst/incidentevents', doc: '§7.1' },
  { method: 'GET', path: '/aianalyst/groups', doc: '§7.2' },
  { method: 'POST', path: '/aianalyst/acknowledge', doc: '§7.3' },
  { method: 'POST', path: '/aianalyst/unacknowledge', doc: '§7.3' },
  { method: 'POST', path: '/aianalyst/pin', doc: '§7.3' },
  { method: 'POST', path: '/aianalyst/unpin', doc: '§7.3' },
  { method: 'GET', path: '/aianalyst/incident/comments', doc: '§7.4' },
  { method: 'POST', path: '/aianalyst/incident/comments', doc: '§7.4' },
  {
    method: 'GET',
    path: '/aianalyst/comments',
    doc: '§7.4',
    reason:
      'an unused constant in one client, not an endpoint anyone calls; comments go through /aianalyst/incident/comments',
  },
  {
    method: 'GET',
    path: '/aianalyst/stats',
    doc: '§7.5',
    reason:
      'counts and graph data whose fields the reference does not transcribe (§20); no command or poller reads them',
  },
  { method: 'GET', path: '/aianalyst/investigations', doc: '§7.5' },
  { method: 'POST', path: '/aianalyst/investigations', doc: '§7.5' },
  {
    method: 'GET',
    path: '/aianalyst/incidents',
    doc: '§7.5',
    reason: 'deprecated since 5.2; /aianalyst/incidentevents and /aianalyst/groups replace it',
  },
  // §8 RESPOND
  { method: 'GET', path: '/antigena', doc: '§8.1' },
  { method: 'POST', path: '/antigena', doc: '§8.2' },
  { method: 'POST', path: '/antigena/manual', doc: '§8.3' },
  { method: 'GET', path: '/antigena/summary', doc: '§8.4' },
  // §9 PCAPs
  { method: 'GET', path: '/pcaps', doc: '§9' },
  { method: 'POST', path: '/pcaps', doc: '§9' },
  { method: 'GET', path: '/pcaps/{filename}', doc: '§9' },
  // §10 devices and traffic
  { method: 'GET', path: '/devices', doc: '§10.1' },
  { method: 'POST', path: '/devices', doc: '§10.1' },
  { method: 'GET', path: '/devicesearch', doc: '§10.2' },
  { method: 'GET', path: '/devicesummary', doc: '§10.3' },
  { method: 'GET', path: '/deviceinfo', doc: '§10.4' },
  { method: 'GET', path: '/similardevices', doc: '§10.5' },
  { method: 'GET', path: '/endpointdetails', doc: '§10.6' },
  { method: 'GET', path: '/details', doc: '§10.7' },
  { method: 'GET', path: '/metricdata', doc: '§10.8' },
  {
    method: 'GET',
    path: '/network',
    doc: '§10.9',
    reason:
      'the reference gives only the top-level keys of the answer (devices, connections, externaldevices; §20), too little to type it or simulate it faithfully',
  },
  // §11 models, components, reference data
  { method: 'GET', path: '/models', doc: '§11' },
  {
    method: 'GET',
    path: '/models/{pid}',
    doc: '§11',
    reason:
      'appears once as an example in the transcribed guide; GET /models?uuid= reads one model and is what clients use',
  },
  { method: 'GET', path: '/components', doc: '§11' },
  { method: 'GET', path: '/components/{cid}', doc: '§11' },
  { method: 'GET', path: '/enums', doc: '§11' },
  { method: 'GET', path: '/filtertypes', doc: '§11' },
  { method: 'GET', path: '/metrics', doc: '§11' },
  { method: 'GET', path: '/metrics/{mlid}', doc: '§11' },
  // §12 tags
  { method: 'GET', path: '/tags', doc: '§12' },
  { method: 'GET', path: '/tags/{tid}', doc: '§12' },
  { method: 'POST', path: '/tags', doc: '§12' },
  { method: 'DELETE', path: '/tags/{tid}', doc: '§12' },
  { method: 'GET', path: '/tags/entities', doc: '§12' },
  { method: 'POST', path: '/tags/entities', doc: '§12' },
  { method: 'DELETE', path: '/tags/entities', doc: '§12' },
  { method: 'GET', path: '/tags/{tid}/entities', doc: '§12' },
  { method: 'POST', path: '/tags/{tid}/entities', doc: '§12' },
  { method: 'DELETE', path: '/tags/{tid}/entities/{teid}', doc: '§12' },
  // §13 subnets, status, statistics, intel feed
  { method: 'GET', path: '/subnets', doc: '§13' },
  { method: 'POST', path: '/subnets', doc: '§13' },
  { method: 'GET', path: '/status', doc: '§13' },
  { method: 'GET', path: '/summarystatistics', doc: '§13' },
  { method: 'GET', path: '/intelfeed', doc: '§13' },
  { method: 'POST', path: '/intelfeed', doc: '§13' },
  // §14 Advanced Search
  { method: 'GET', path: '/advancedsearch/api/search/{hash}', doc: '§14' },
  { method: 'POST', path: '/advancedsearch/api/search', doc: '§14' },
  { method: 'GET', path: '/advancedsearch/api/analyze/{field}/{operation}/{hash}', doc: '§14' },
  { method: 'GET', path: '/advancedsearch/api/graph/{mode}/{interval}/{hash}', doc: '§14' },
  // §15 Darktrace /EMAIL (each also under /agemail/api/ep/api/v1.0)
  { method: 'GET', path: `${E}/emails/{uuid}`, doc: '§15' },
  { method: 'POST', path: `${E}/emails/search`, doc: '§15' },
  { method: 'POST', path: `${E}/emails/{uuid}/action`, doc: '§15' },
  { method: 'GET', path: `${E}/resources/tags`, doc: '§15' },
  { method: 'GET', path: `${E}/resources/filters`, doc: '§15', reason: EMAIL_LATER },
  { method: 'GET', path: `${E}/resources/actions`, doc: '§15', reason: EMAIL_LATER },
  { method: 'GET', path: `${E}/dash/{view}`, doc: '§15', reason: EMAIL_LATER },
  {
    method: 'GET',
    path: `${E}/system/audit/events`,
    doc: '§15',
    reason:
      'the e-mail audit log: its shape is unknown (§15, §16), so there is nothing to type, map or simulate faithfully yet',
  },
  {
    method: 'GET',
    path: `${E}/system/audit/eventTypes`,
    doc: '§15',
    reason: 'goes with the e-mail audit log, whose shape is unknown (§15)',
  },
  { method: 'GET', path: `${E}/admin/decode_link`, doc: '§15', reason: EMAIL_LATER },
  {
    method: 'GET',
    path: `${E}/emails/{uuid}/download`,
    doc: '§15',
    reason:
      'the raw message: a download no SOC command here asks for, with no captured answer to simulate from',
  },
  // §4 and §20: routes named only in passing
  {
    method: 'GET',
    path: '/agemail/api/api-docs',
    doc: '§4',
    reason: 'a session-only route: API tokens get 302 {"error":"Please login again"} (LAB)',
  },
  {
    method: 'GET',
    path: '/cves',
    doc: '§4',
    reason: 'answered 500 on the only appliance tried (7.1, LAB), and its shape is unknown',
  },
  {
    method: 'GET',
    path: '/time',
    doc: '§20',
    reason: 'called only by the deprecated XSOAR integration; its answer shape is unknown',
  },
];
