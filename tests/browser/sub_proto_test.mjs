// The browser client's codec, run in Node on the compiled module: Go's jsonSubProto text for a
// call, replies with and without a status, and every malformed message as a 400 status.
import assert from "node:assert/strict";
import path from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";

const { values: args } = parseArgs({ options: { "web-root": { type: "string" } } });
const lib = await import(pathToFileURL(path.join(args["web-root"], "src", "teleport.js")).href);
const { encodeFrame, decodeFrame, Status, MsgType, BodyCodec, encodeMeta, decodeMeta } = lib;

// What Go's client writes for a call, byte for byte.
assert.equal(
  encodeFrame({ seq: 1, mtype: MsgType.Call, serviceMethod: "/math/add", status: new Status(), meta: "author=x",
    bodyCodec: BodyCodec.Json, body: "[1,2,3]", xferPipe: [] }),
  '{"seq":1,"mtype":1,"serviceMethod":"/math/add","meta":"author=x","bodyCodec":106,"body":"[1,2,3]","xferPipe":[]}');
// A body with quotes, a backslash and a control character stays valid JSON and comes back whole.
const tricky = '{"a":"q\\"\\\\"}\n\u0001';
const text = encodeFrame({ seq: 2, mtype: MsgType.Push, serviceMethod: "/x", status: new Status(), meta: "",
  bodyCodec: BodyCodec.Plain, body: tricky, xferPipe: [] });
assert.equal(decodeFrame(text).body, tricky);
// Go's reply, and ours with an error status.
const reply = decodeFrame('{"seq":7,"mtype":2,"serviceMethod":"","meta":"","bodyCodec":106,"body":"6","xferPipe":[]}');
assert.equal(reply.seq, 7);
assert.ok(reply.status.ok);
assert.equal(reply.body, "6");
const failed = decodeFrame('{"seq":8,"mtype":2,"serviceMethod":"","status":"code=404&msg=Not%20Found&cause=no%20route","meta":"","bodyCodec":0,"body":"","xferPipe":[]}');
assert.deepEqual([failed.status.code, failed.status.msg, failed.status.cause], [404, "Not Found", "no route"]);
// Members Go leaves out are zero; members of the wrong type or range are a 400.
assert.equal(decodeFrame('{"mtype":3}').serviceMethod, "");
for (const bad of ["", "not json", "[1]", "null", '{"mtype":9}', '{"mtype":1,"seq":1.5}', '{"mtype":1,"body":7}',
  '{"mtype":1,"bodyCodec":256}', '{"mtype":1,"xferPipe":[300]}', '{"mtype":1,"status":5}']) {
  const r = decodeFrame(bad);
  assert.ok(r instanceof Status, bad);
  assert.equal(r.code, 400, bad);
  assert.match(r.cause, /^ws-json: /, bad);
}
// Meta as eRPC's query string; a malformed escape does not throw.
assert.equal(encodeMeta({ author: "a b", "k&": "=" }), "author=a%20b&k%26=%3D");
assert.deepEqual(decodeMeta("author=a+b&x=%zz"), { author: "a b", x: "%zz" });
assert.equal(Status.parse("code=abc").code, 400);
console.log("ok: the browser client's sub-protocol codec");
