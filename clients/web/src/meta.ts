// Message metadata: eRPC carries it as a URL query string ("a=1&b=x%20y").

/** Metadata as a plain object; repeated keys keep their last value. */
export type Meta = Record<string, string>;

/** Writes `meta` in eRPC's query form. */
export function encodeMeta(meta: Meta | undefined): string {
  if (!meta) return "";
  return Object.entries(meta)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join("&");
}

/** Reads eRPC's query form ('+' is a space, as Go's url.ParseQuery reads it). */
export function decodeMeta(text: string): Meta {
  const meta: Meta = {};
  for (const [k, v] of new URLSearchParams(text)) meta[k] = v;
  return meta;
}
