// Shared by the CEF and LEEF renderers: which canonical fields they carry, in one place.
import type { Detection } from '../model.ts';

export const PRODUCT_VERSION = 'dtc-1';

/** CEF Signature ID / LEEF Event ID: what kind of detection this is, stable across instances. */
export function signatureOf(d: Detection): string {
  switch (d.key.family) {
    case 'model_breach':
      return d.analytic?.id ?? d.analytic?.uid ?? 'model_breach';
    case 'ai_analyst':
      return d.analytic?.id ?? 'ai_analyst';
    case 'system_status':
      return d.analytic?.id ?? 'system_status';
    case 'audit':
      return `audit:${String(d.vendor.method ?? 'unknown')}`;
    case 'respond_action':
      return `respond:${d.respond?.action ?? 'unknown'}`;
    case 'email_alert':
      return d.analytic?.id ?? 'email_alert';
  }
}

/** Model names use `::`; Darktrace's own CEF and Sentinel's workbooks show them with `/`. */
export function nameOf(d: Detection): string {
  return d.title.includes('::') ? d.title.replaceAll('::', '/') : d.title;
}

export function asnText(d: Detection): string | undefined {
  const a = d.observables.asns[0];
  if (!a) return undefined;
  if (a.number !== undefined) return a.name ? `AS${a.number} ${a.name}` : `AS${a.number}`;
  return a.name;
}

export function sourceIp(d: Detection): string | undefined {
  return d.observables.sourceIps[0] ?? d.devices[0]?.ips[0];
}

export function sourceHost(d: Detection): string | undefined {
  const dev = d.devices[0];
  return d.observables.sourceHosts[0] ?? (dev && !dev.saas ? dev.hostname : undefined);
}

export function round(n: number | undefined): number | undefined {
  return n === undefined ? undefined : Math.round(n);
}

/** CEF `act` / ECS-style action: the RESPOND state change, the audit method, or a breach's RESPOND action. */
export function actionOf(d: Detection): string | undefined {
  switch (d.key.family) {
    case 'audit':
      return d.vendor.method as string | undefined;
    case 'respond_action':
      return d.respond?.state;
    case 'email_alert':
      return d.email?.actions[0];
    default:
      return d.vendor.antigena_action as string | undefined;
  }
}

/** The SaaS account of the first device that has one (`SaaS::Zoom: john.doe@example.com`). */
export function saasOf(d: Detection): { service: string; user: string } | undefined {
  for (const dev of d.devices) if (dev.saas) return dev.saas;
  return undefined;
}
