// Client: a peer in the browser, over WebSocket with eRPC's JSON sub-protocol. It calls and
// pushes to the server, answers the server's calls and pushes through routes, holds calls while
// it reconnects (with backoff), and reports every failure as an eRPC Status.
import { BodyCodec, Frame, MsgType, decodeFrame, encodeFrame } from "./json_sub_proto.js";
import { Meta, decodeMeta, encodeMeta } from "./meta.js";
import { Code, Status } from "./status.js";

/** What a call or a push sends besides its argument. */
export interface CallOptions {
  /** Milliseconds until the call fails with 408 (default: the client's `timeout`; 0: none). */
  timeout?: number;
  /** Metadata sent with the message. */
  meta?: Meta;
  /** "json" (default): the argument is sent as JSON; "plain": as the string it is. */
  codec?: "json" | "plain";
}

/** The outcome of a call: an OK status and the decoded body, or an error status. */
export interface Reply<T = unknown> {
  status: Status;
  body?: T;
  meta: Meta;
}

/** What a route's handler is told about the message it handles. */
export interface Incoming {
  serviceMethod: string;
  meta: Meta;
  /** True for a call (the handler's result is the reply), false for a push. */
  isCall: boolean;
}

/** A route's handler: its result (or a Status, to fail) answers a call; ignored for pushes. */
export type Handler = (arg: unknown, incoming: Incoming) => unknown | Promise<unknown>;

/** How a client connects. */
export interface ClientOptions {
  /** Default call timeout in milliseconds (10 000; 0: none). */
  timeout?: number;
  /** Reconnect after a lost connection, waiting from `minDelay` doubling up to `maxDelay` ms. */
  reconnect?: { minDelay?: number; maxDelay?: number } | false;
  /** Called when the connection opens (true) or is lost (false, with why). */
  onState?: (open: boolean, why: Status) => void;
}

interface Pending {
  resolve: (r: Reply) => void;
  timer?: ReturnType<typeof setTimeout>;
}

const kMaxSeq = 0x7fffffff;  // Go's seq is an int32

/** A connection to a Teleport or Go eRPC peer serving WebSocket at `url` ("ws://host:port/ws"). */
export class Client {
  private ws?: WebSocket;
  private open = false;
  private closed = false;
  private seq = 0;
  private delay: number;
  private readonly pending = new Map<number, Pending>();
  private readonly held: { seq: number; text: string }[] = [];  // sent while not connected
  private readonly routes = new Map<string, Handler>();
  private readonly timeout: number;
  private readonly minDelay: number;
  private readonly maxDelay: number;
  private readonly reconnects: boolean;
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder();

  constructor(readonly url: string, private readonly options: ClientOptions = {}) {
    this.timeout = options.timeout ?? 10_000;
    this.reconnects = options.reconnect !== false;
    const r = options.reconnect || {};
    this.minDelay = r.minDelay ?? 100;
    this.maxDelay = r.maxDelay ?? 5_000;
    this.delay = this.minDelay;
    this.connect();
  }

  /** True while the WebSocket is open. */
  get connected(): boolean {
    return this.open;
  }

  /** Calls `serviceMethod` with `arg`; never rejects: failures are statuses in the reply. */
  call<T = unknown>(serviceMethod: string, arg?: unknown, options: CallOptions = {}): Promise<Reply<T>> {
    return new Promise<Reply<T>>((resolve) => {
      if (this.closed) return resolve({ status: Status.of(Code.ConnClosed, "client is closed"), meta: {} });
      const seq = this.nextSeq();
      const pending: Pending = { resolve: resolve as (r: Reply) => void };
      const timeout = options.timeout ?? this.timeout;
      if (timeout > 0) {
        pending.timer = setTimeout(() => {
          this.pending.delete(seq);
          resolve({ status: Status.of(Code.HandleTimeout, `no reply within ${timeout} ms`), meta: {} });
        }, timeout);
      }
      this.pending.set(seq, pending);
      this.send(seq, this.frame(MsgType.Call, seq, serviceMethod, arg, options));
    });
  }

  /** Pushes `arg` to `serviceMethod` (one way): OK once sent or held for the reconnection. */
  push(serviceMethod: string, arg?: unknown, options: CallOptions = {}): Status {
    if (this.closed) return Status.of(Code.ConnClosed, "client is closed");
    const seq = this.nextSeq();
    this.send(seq, this.frame(MsgType.Push, seq, serviceMethod, arg, options));
    return new Status();
  }

  /** Handles the server's calls and pushes to `serviceMethod` with `handler`. */
  route(serviceMethod: string, handler: Handler): void {
    this.routes.set(serviceMethod, handler);
  }

  /** Closes the connection for good; calls waiting fail with 102. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ws?.close(1000);
    this.lost(Status.of(Code.ConnClosed, "client is closed"));
  }

  private nextSeq(): number {
    this.seq = this.seq >= kMaxSeq ? 1 : this.seq + 1;
    return this.seq;
  }

  private frame(mtype: number, seq: number, serviceMethod: string, arg: unknown, options: CallOptions): string {
    const plain = options.codec === "plain";
    const body = arg === undefined ? "" : plain ? String(arg) : JSON.stringify(arg);
    return encodeFrame({
      seq,
      mtype,
      serviceMethod,
      status: new Status(),
      meta: encodeMeta(options.meta),
      bodyCodec: arg === undefined ? BodyCodec.None : plain ? BodyCodec.Plain : BodyCodec.Json,
      body,
      xferPipe: [],
    });
  }

  private send(seq: number, text: string): void {
    if (this.open && this.ws) {
      this.ws.send(this.encoder.encode(text));  // binary, as Go's eRPC sends
    } else {
      this.held.push({ seq, text });
    }
  }

  private connect(): void {
    const ws = new WebSocket(this.url);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onopen = () => {
      this.open = true;
      this.delay = this.minDelay;
      for (const { text } of this.held.splice(0)) ws.send(this.encoder.encode(text));
      this.options.onState?.(true, new Status());
    };
    ws.onmessage = (e: MessageEvent) => {
      const text = typeof e.data === "string" ? e.data : this.decoder.decode(e.data as ArrayBuffer);
      const frame = decodeFrame(text);
      if (frame instanceof Status) {
        ws.close(1002, frame.cause.slice(0, 120));  // the stream cannot be trusted any more
        return;
      }
      this.dispatch(frame);
    };
    ws.onclose = (e: CloseEvent) => {
      if (this.ws !== ws) return;
      const wasOpen = this.open;
      this.open = false;
      const why = Status.of(
        wasOpen ? Code.ConnClosed : Code.DialFailed,
        `${this.url}: closed (${e.code}${e.reason ? " " + e.reason : ""})`,
      );
      // Calls already written may or may not have been handled: they fail, as on TCP.
      this.lost(why);
      if (wasOpen) this.options.onState?.(false, why);
      if (this.closed || !this.reconnects) {
        this.closed = true;
        this.failHeld(why);
        return;
      }
      setTimeout(() => {
        if (!this.closed) this.connect();
      }, this.delay * (0.5 + Math.random() / 2));
      this.delay = Math.min(this.delay * 2, this.maxDelay);
    };
  }

  // Fails the calls that were written; held ones wait for the next connection (or their timeout).
  private lost(why: Status): void {
    const heldSeqs = new Set(this.held.map((h) => h.seq));
    for (const [seq, p] of this.pending) {
      if (heldSeqs.has(seq) && !this.closed) continue;
      this.pending.delete(seq);
      clearTimeout(p.timer);
      p.resolve({ status: why, meta: {} });
    }
  }

  private failHeld(why: Status): void {
    this.held.length = 0;
    this.lost(why);
  }

  private dispatch(f: Frame): void {
    if (f.mtype === MsgType.Reply || f.mtype === MsgType.AuthReply) {
      const p = this.pending.get(f.seq);
      if (!p) return;  // timed out already
      this.pending.delete(f.seq);
      clearTimeout(p.timer);
      p.resolve(this.replyOf(f));
      return;
    }
    if (f.mtype === MsgType.Call || f.mtype === MsgType.Push) void this.handle(f);
  }

  private replyOf(f: Frame): Reply {
    const meta = decodeMeta(f.meta);
    if (!f.status.ok) return { status: f.status, meta };
    if (f.xferPipe.length > 0)
      return { status: Status.of(Code.BadMessage, "the browser client has no transfer filters"), meta };
    if (f.body === "" || f.bodyCodec === BodyCodec.None) return { status: f.status, meta };
    if (f.bodyCodec === BodyCodec.Plain) return { status: f.status, body: f.body, meta };
    if (f.bodyCodec !== BodyCodec.Json)
      return { status: Status.of(Code.BadMessage, `body codec ${f.bodyCodec} is not JSON or plain`), meta };
    try {
      return { status: f.status, body: JSON.parse(f.body), meta };
    } catch {
      return { status: Status.of(Code.BadMessage, "reply body is not JSON"), meta };
    }
  }

  private async handle(f: Frame): Promise<void> {
    const isCall = f.mtype === MsgType.Call;
    const ws = this.ws;
    const answer = (status: Status, result?: unknown) => {
      // A reply belongs to the connection its call came on: dropped if that one is gone.
      if (!isCall || !ws || ws !== this.ws || !this.open) return;
      const ok = status.ok && result !== undefined;
      ws.send(
        this.encoder.encode(encodeFrame({
          seq: f.seq,
          mtype: MsgType.Reply,
          serviceMethod: "",
          status,
          meta: "",
          bodyCodec: ok ? BodyCodec.Json : BodyCodec.None,
          body: ok ? JSON.stringify(result) : "",
          xferPipe: [],
        })),
      );
    };
    const handler = this.routes.get(f.serviceMethod.split("?")[0]);
    if (!handler) return answer(Status.of(Code.NotFound, `no route ${f.serviceMethod} in the browser`));
    const arg = this.replyOf(f);  // the argument decodes as a reply body would
    if (!arg.status.ok) return answer(arg.status);
    try {
      const result = await handler(arg.body, { serviceMethod: f.serviceMethod, meta: arg.meta, isCall });
      if (result instanceof Status) return answer(result.ok ? new Status() : result);
      answer(new Status(), result);
    } catch (e) {
      answer(Status.of(Code.InternalServerError, e instanceof Error ? e.message : String(e)));
    }
  }
}
