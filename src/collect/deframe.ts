// TCP syslog framing (RFC 6587): a byte stream → messages, octet-counted or LF-delimited, decided per
// message, with a size limit. Shared by the receiver's worker and the tests.
/** Splits a TCP byte stream into messages, octet-counted or LF-delimited, decided per message. */
export class Deframer {
  #buf: Buffer = Buffer.alloc(0);
  #skipping = false;
  constructor(
    private readonly onMessage: (m: string) => void,
    private readonly onBad: (reason: string, sample: string) => void,
    private readonly max = 256 * 1024,
  ) {}

  push(chunk: Buffer): void {
    let b = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
    let i = 0;
    for (;;) {
      if (this.#skipping) {
        const nl = b.indexOf(10, i);
        if (nl < 0) {
          i = b.length;
          break;
        }
        this.#skipping = false;
        i = nl + 1;
      }
      while (i < b.length && (b[i] === 10 || b[i] === 13)) i++;
      if (i >= b.length) break;
      const c = b[i];
      // Octet counting (`MSG-LEN SP <PRI>...`) when the message starts with digits, a space and `<`;
      // anything else is a line, so a stray number can never swallow the good messages behind it.
      let sp = -1;
      if (c >= 48 && c <= 57) {
        let j = i;
        while (j < b.length && j - i < 10 && b[j] >= 48 && b[j] <= 57) j++;
        if (j >= b.length || (j === b.length - 1 && b[j] === 32)) break; // the header is still arriving
        if (b[j] === 32 && b[j + 1] === 60) sp = j;
      }
      if (sp > 0) {
        const len = Number(b.toString('latin1', i, sp));
        if (len <= 0 || len > this.max) {
          this.onBad(
            `bad_frame: octet count ${len} out of range`,
            b.toString('utf8', i, Math.min(b.length, i + 80)),
          );
          this.#skipping = true;
          continue;
        }
        if (b.length < sp + 1 + len) break;
        this.onMessage(b.toString('utf8', sp + 1, sp + 1 + len));
        i = sp + 1 + len;
      } else {
        const nl = b.indexOf(10, i);
        if (nl < 0) {
          if (b.length - i > this.max) {
            this.onBad(`too_long: message over ${this.max} bytes`, b.subarray(i, i + 80).toString());
            this.#skipping = true;
            i = b.length;
          }
          break;
        }
        // The same limit whether the line came whole or in pieces.
        if (nl - i > this.max)
          this.onBad(`too_long: message over ${this.max} bytes`, b.subarray(i, i + 80).toString());
        else this.onMessage(b.toString('utf8', i, nl));
        i = nl + 1;
      }
    }
    b = i >= b.length ? Buffer.alloc(0) : b.subarray(i);
    this.#buf = b.length ? Buffer.from(b) : b;
  }

  /** The connection closed: a trailing line without LF still counts. */
  end(): void {
    if (this.#buf.length && !this.#skipping) {
      const s = this.#buf.toString('utf8').trim();
      if (s) this.onMessage(s);
    }
    this.#buf = Buffer.alloc(0);
  }
}
