// teleport-web: a browser client for Teleport for C++ and Go eRPC peers over WebSocket.
export { Client } from "./client.js";
export type { CallOptions, ClientOptions, Handler, Incoming, Reply } from "./client.js";
export { BodyCodec, MsgType, decodeFrame, encodeFrame } from "./json_sub_proto.js";
export type { Frame } from "./json_sub_proto.js";
export { decodeMeta, encodeMeta } from "./meta.js";
export type { Meta } from "./meta.js";
export { Code, Status } from "./status.js";
