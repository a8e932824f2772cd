/**
 * One CSV record, RFC 4180 §2:
 *
 *   5. Each field may or may not be enclosed in double quotes ...
 *   6. Fields containing line breaks (CRLF), double quotes, and commas should be enclosed in double-quotes.
 *   7. If double-quotes are used to enclose fields, then a double-quote appearing inside a field must be
 *      escaped by preceding it with another double quote.
 *
 * A Kafka message holds exactly one record, so one trailing line break (CRLF or LF) is allowed and any
 * other line break outside quotes is an error (two records in one message would hide one of them).
 * Departures from RFC 4180, all on the lenient side producers need: LF alone ends a line like CRLF, and
 * spaces are kept as part of fields (RFC 4180 §2.4 says so too).
 */

export type CsvParse = { readonly ok: true; readonly fields: string[] } | { readonly ok: false; readonly reason: string };

/** Splits one CSV record into its fields. Never throws. */
export function parseCsvRecord(text: string): CsvParse {
  let body = text;
  if (body.endsWith('\r\n')) body = body.slice(0, -2);
  else if (body.endsWith('\n')) body = body.slice(0, -1);

  // Fields are cut out with slice (one string per field, not one per character).
  const fields: string[] = [];
  const length = body.length;
  let i = 0;
  for (;;) {
    // At a field's start: its opening quote is only recognised here (RFC 4180 §2.5).
    if (i < length && body.charCodeAt(i) === 0x22) {
      let field = '';
      let from = i + 1;
      for (;;) {
        const quote = body.indexOf('"', from);
        if (quote === -1) return { ok: false, reason: `field ${fields.length + 1} opens a quote that is never closed` };
        if (body.charCodeAt(quote + 1) === 0x22) {
          field += body.slice(from, quote + 1);
          from = quote + 2;
          continue;
        }
        field += body.slice(from, quote);
        i = quote + 1;
        break;
      }
      if (i < length && body.charCodeAt(i) !== 0x2c) {
        return { ok: false, reason: `unexpected '${body[i] as string}' after the closing quote of field ${fields.length + 1} (column ${i + 1})` };
      }
      fields.push(field);
    } else {
      let end = i;
      for (; end < length; end++) {
        const ch = body.charCodeAt(end);
        if (ch === 0x2c) break;
        if (ch === 0x22) return { ok: false, reason: `a double quote inside unquoted field ${fields.length + 1} (column ${end + 1}); quote the field and double the quote` };
        if (ch === 0x0d || ch === 0x0a) return { ok: false, reason: 'more than one line: a message carries exactly one CSV record' };
      }
      fields.push(body.slice(i, end));
      i = end;
    }
    if (i >= length) return { ok: true, fields };
    i += 1; // the comma; a comma at the very end leaves one more, empty, field
  }
}
