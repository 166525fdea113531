// The one error type the normaliser throws. Callers (the CLI, the collector's dead-letter table) key
// on `reason`, so reasons are a closed set; `message` carries the human detail.

export type NormalizeReason =
  | 'empty' // blank line
  | 'bad_frame' // a syslog header we could not get through
  | 'bad_json' // payload is not JSON
  | 'bad_cef' // CEF line that does not have the 7 header fields
  | 'not_a_record' // JSON, but not an object (or an array with several records)
  | 'unknown_family' // an object whose content matches no Darktrace family
  | 'bad_record'; // family known, but a field the key needs is unusable

export class NormalizeError extends Error {
  override readonly name = 'NormalizeError';
  constructor(
    readonly reason: NormalizeReason,
    message: string,
  ) {
    super(message);
  }
}
