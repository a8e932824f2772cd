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

  const fields: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  // A field's opening quote is only recognised at its first character (RFC 4180 §2.5).
  let atFieldStart = true;
  while (i < body.length) {
    const ch = body[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (body[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i += 1;
        const next = body[i];
        if (next !== undefined && next !== ',') {
          return { ok: false, reason: `unexpected '${next}' after the closing quote of field ${fields.length + 1} (column ${i + 1})` };
        }
        continue;
      }
      field += ch;
      i += 1;
      continue;
    }
    if (ch === '"') {
      if (!atFieldStart) return { ok: false, reason: `a double quote inside unquoted field ${fields.length + 1} (column ${i + 1}); quote the field and double the quote` };
      quoted = true;
      atFieldStart = false;
      i += 1;
      continue;
    }
    if (ch === ',') {
      fields.push(field);
      field = '';
      atFieldStart = true;
      i += 1;
      continue;
    }
    if (ch === '\r' || ch === '\n') {
      return { ok: false, reason: 'more than one line: a message carries exactly one CSV record' };
    }
    field += ch;
    atFieldStart = false;
    i += 1;
  }
  if (quoted) return { ok: false, reason: `field ${fields.length + 1} opens a quote that is never closed` };
  fields.push(field);
  return { ok: true, fields };
}
