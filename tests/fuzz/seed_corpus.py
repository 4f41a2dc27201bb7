#!/usr/bin/env python3
"""Writes a seed corpus for every fuzz target from the Go-captured vectors in tests/interop/vectors.

usage: seed_corpus.py CORPUS_DIR [TELEPORT_TOOL]
The tool (build/*/tools/teleport), when given, re-encodes the vectors through the zstd, lz4, gzip
and md5 filters and as Thrift frames, so that those targets start from real payloads too.
"""
import gzip, hashlib, json, pathlib, subprocess, sys

root = pathlib.Path(__file__).resolve().parents[2]
vectors = root / "tests" / "interop" / "vectors"
out = pathlib.Path(sys.argv[1])
tool = sys.argv[2] if len(sys.argv) > 2 else None


def write(target, name, data):
    folder = out / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def load(name):
    return [json.loads(line) for line in (vectors / name).read_text().splitlines() if line]


raw, raw_v5 = load("rawproto-vectors.jsonl"), load("rawproto-v5-vectors.jsonl")
jsonpb = load("jsonpb-proto-vectors.jsonl") + load("jsonpb-proto-v5-vectors.jsonl")
for i, v in enumerate(raw):
    write("fuzz_raw_proto", f"v{i}", bytes.fromhex(v["hex"]))
for i, v in enumerate(raw_v5):
    write("fuzz_raw_proto_v5", f"v{i}", bytes.fromhex(v["hex"]))
for i, v in enumerate(jsonpb):
    target = "fuzz_json_proto" if v["name"].startswith("json_") else "fuzz_pb_proto"
    write(target, f"v{i}", bytes.fromhex(v["hex"]))

# Query strings: every meta and status the vectors carry, plus Go's lenient percent cases.
queries = {v["fields"].get("meta", "") for v in raw} | {v["fields"].get("status", "") for v in raw}
queries |= {"a=%zz&c=100%", "code=400&msg=Bad%20Message&cause=x%"}
for i, q in enumerate(sorted(queries)):
    write("fuzz_query", f"q{i}", q.encode())

# HTTP: the vectors' calls as the requests curl would send.
for i, v in enumerate(raw):
    f = v["fields"]
    if f.get("mtype") != 1 or not f.get("service_method"):
        continue
    body = f.get("body", "") if isinstance(f.get("body"), str) else ""
    req = (f"POST {f['service_method']} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           f"Content-Length: {len(body.encode())}\r\n\r\n{body}")
    write("fuzz_http_proto", f"v{i}", req.encode())

# Filters: every vector's bytes gzip-packed and md5-packed as the filters write them.
for i, v in enumerate(raw[:12]):
    data = bytes.fromhex(v["hex"])
    write("fuzz_filter_gzip", f"v{i}", gzip.compress(data))
    write("fuzz_filter_md5", f"v{i}", data + hashlib.md5(data).digest())
    write("fuzz_filter_zstd", f"plain{i}", data)
    write("fuzz_filter_lz4", f"plain{i}", data)

write("fuzz_xml_codec", "point", b"<Point><X>3</X><Label>a&amp;b</Label><Values>1.5</Values>"
      b"<Values>2</Values><Flag>true</Flag></Point>")
write("fuzz_thrift_codec", "empty", b"\x00")
write("fuzz_traceparent", "w3c", b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\ncongo=t61rcWkgMzE")
write("fuzz_traceparent", "later", b"cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-next")
write("fuzz_ws_json", "call", b'{"seq":1,"mtype":1,"serviceMethod":"/math/add","meta":"author=x",'
      b'"bodyCodec":106,"body":"[1,2,3]","xferPipe":[]}')
write("fuzz_ws_json", "error", b'{"seq":2,"mtype":2,"serviceMethod":"","status":"code=404&msg=Not%20Found",'
      b'"meta":"","bodyCodec":0,"body":"","xferPipe":[109]}')
write("fuzz_ws_pb", "call", bytes.fromhex("080110011a092f6d6174682f6164642208617574686f723d78286a32075b312c322c335d"))
write("fuzz_ws_pb", "gzip", bytes.fromhex("080210023a0167"))
write("fuzz_etcd_value", "backend", b'{"addr":"10.0.0.1:9090","weight":3,"meta":{"zone":"a"}}')
write("fuzz_etcd_value", "target", b"etcd://127.0.0.1:2379,[::1]:2380/apps/math")
# Numbers Boost.JSON reads to a nearby double, and one that overflows (a crash it once found).
write("fuzz_etcd_value", "numbers",
      b'{"addr":"10VVVVVVV0.0.1:0","meta":{"ze":8888888888000000000000000000000006272249598219241241,'
      b'"m":"o","l":2.204889796112795E-9,"x":[1e400]}}')

if tool:
    def encode(msg, proto="raw"):
        hexed = subprocess.run([tool, "encode", "--proto", proto], input=json.dumps(msg).encode(),
                               capture_output=True, check=True).stdout
        return bytes.fromhex(hexed.decode().strip())

    for i, v in enumerate(raw[:12]):
        f = v["fields"]
        msg = {"seq": f["seq"], "mtype": f["mtype"], "service_method": f["service_method"],
               "body_codec": f.get("body_codec", 106), "body": "[1,2,3]"}
        write("fuzz_thrift_proto", f"v{i}", encode(msg, "thrift"))
        for fid, target in ((122, "fuzz_filter_zstd"), (108, "fuzz_filter_lz4")):
            frame = encode({**msg, "xfer_pipe": [fid]})
            write(target, f"v{i}", frame[6:])  # length, pipe count and id stripped: the payload
