/**
 * Newline-delimited JSON over a byte stream: one JSON value per line. The playground run
 * endpoint writes its events this way; the client reads them as they arrive. No server-only
 * imports: the client component uses `readNdjson`.
 */

const encoder = new TextEncoder();

/** One value as an NDJSON line (UTF-8 bytes, trailing newline). JSON never contains a raw newline. */
export function encodeNdjsonLine(value: unknown): Uint8Array {
  return encoder.encode(`${JSON.stringify(value)}\n`);
}

/**
 * Yields every JSON value of an NDJSON byte stream as soon as its line is complete (a value
 * split across chunks, or a multi-byte character split across chunks, is reassembled). Blank
 * lines are skipped; a last line without a newline is still yielded. A malformed line throws.
 */
export async function* readNdjson(stream: ReadableStream<Uint8Array>): AsyncGenerator<unknown, void, undefined> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      let newline = buffer.indexOf("\n");
      while (newline >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (line !== "") yield JSON.parse(line) as unknown;
        newline = buffer.indexOf("\n");
      }
      if (done) break;
    }
    const rest = buffer.trim();
    if (rest !== "") yield JSON.parse(rest) as unknown;
  } finally {
    reader.releaseLock();
  }
}
