// eRPC's WebSocket JSON sub-protocol (Go's mixer/websocket/jsonSubProto): one JSON object per
// WebSocket message. Go writes the body raw inside its string with only '"' escaped; we write a
// JSON string (every byte Go would send for plain text, and valid JSON for any text), and read
// with JSON.parse, so nothing we send or accept is invalid JSON.
import { Code, Status } from "./status.js";

/** eRPC's message types. */
export const MsgType = { Call: 1, Reply: 2, Push: 3, AuthCall: 4, AuthReply: 5 } as const;

/** eRPC's body codec ids this client speaks. */
export const BodyCodec = { None: 0, Json: 106, Plain: 115 } as const;

/** One message of the sub-protocol. */
export interface Frame {
  seq: number;
  mtype: number;
  serviceMethod: string;
  status: Status;
  meta: string;
  bodyCodec: number;
  body: string;
  xferPipe: number[];
}

/** The text of `f`, in Go's member order; a non-OK status travels as a "status" member. */
export function encodeFrame(f: Frame): string {
  let out = `{"seq":${f.seq},"mtype":${f.mtype},"serviceMethod":${JSON.stringify(f.serviceMethod)}`;
  if (!f.status.ok) out += `,"status":${JSON.stringify(f.status.toQuery())}`;
  out += `,"meta":${JSON.stringify(f.meta)},"bodyCodec":${f.bodyCodec}`;
  out += `,"body":${JSON.stringify(f.body)},"xferPipe":[${f.xferPipe.join(",")}]}`;
  return out;
}

const isByte = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 255;

/** Reads one message; anything that is not this format is a 400 status naming what is wrong. */
export function decodeFrame(text: string): Frame | Status {
  const bad = (why: string) => Status.of(Code.BadMessage, `ws-json: ${why}`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return bad("not JSON");
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return bad("not a JSON object");
  const o = v as Record<string, unknown>;
  const str = (k: string): string | undefined => {
    const x = o[k];
    if (x === undefined) return "";
    return typeof x === "string" ? x : undefined;
  };
  const seq = o.seq ?? 0;
  const mtype = o.mtype ?? 0;
  const bodyCodec = o.bodyCodec ?? 0;
  if (!Number.isSafeInteger(seq)) return bad("seq is not an integer");
  if (!Number.isInteger(mtype) || (mtype as number) < 1 || (mtype as number) > 5)
    return bad(`invalid message type ${String(mtype)}`);
  if (!isByte(bodyCodec)) return bad("bodyCodec is not a byte");
  const serviceMethod = str("serviceMethod");
  const meta = str("meta");
  const body = str("body");
  const status = str("status");
  if (serviceMethod === undefined || meta === undefined || body === undefined || status === undefined)
    return bad("serviceMethod, meta, body and status must be strings");
  const pipe = o.xferPipe ?? [];
  if (!Array.isArray(pipe) || !pipe.every(isByte)) return bad("bad xferPipe");
  return {
    seq: seq as number,
    mtype: mtype as number,
    serviceMethod,
    status: Status.parse(status),
    meta,
    bodyCodec,
    body,
    xferPipe: pipe,
  };
}
