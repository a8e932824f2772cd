/** WatchReceipts cursors: opaque to clients, `<anchor sequence>.<leaf index>` inside. */
import type { ReceiptCursor } from '../../core/ports.js';

const CURSOR = /^([1-9][0-9]{0,14})\.(0|[1-9][0-9]{0,9})$/;

export function encodeCursor(cursor: ReceiptCursor): string {
  return `${cursor.anchorSeq}.${cursor.leafIndex}`;
}

/** null for the empty cursor (from the first receipt), undefined for one this gateway never hands out. */
export function decodeCursor(text: string): ReceiptCursor | null | undefined {
  if (text === '') return null;
  const match = CURSOR.exec(text);
  return match === null ? undefined : { anchorSeq: Number(match[1]), leafIndex: Number(match[2]) };
}
