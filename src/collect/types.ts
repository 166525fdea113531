// What a poller needs from the rest of the service, kept as interfaces so pollers can be tested
// against the real store or a recording one.
import type { DetectionInput } from '../store/index.ts';

/** Records normalised into store rows, and those that could not be understood (for the dead letters). */
export interface PreparedBatch {
  rows: DetectionInput[];
  rejects: { source: string; instance: string | null; reason: string; payload: string }[];
}

export interface IngestResult {
  new: number;
  updated: number;
  duplicates: number;
  /** Records that could not be understood; each went to the dead-letter table with its reason. */
  rejected: number;
}

export interface Ingest {
  /** Stores one window's prepared records (dead letters, then one append transaction). */
  storePrepared(
    instance: string,
    stream: string,
    batch: PreparedBatch,
    fetched: number,
  ): Promise<IngestResult>;
  getCursor(instance: string, stream: string): Promise<unknown>;
  setCursor(instance: string, stream: string, state: unknown): Promise<void>;
}

export interface PollLogger {
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
  error(msg: string, data?: Record<string, unknown>): void;
}
