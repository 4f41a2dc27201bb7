// eRPC statuses: every failure the client reports is one of these, never a thrown string.

/** Go eRPC's status codes (application codes are above 1000). */
export const Code = {
  OK: 0,
  ConnClosed: 102,
  WriteFailed: 104,
  DialFailed: 105,
  BadMessage: 400,
  Unauthorized: 401,
  NotFound: 404,
  MtypeNotAllowed: 405,
  HandleTimeout: 408,
  InternalServerError: 500,
  BadGateway: 502,
} as const;

const codeText: Record<number, string> = {
  [Code.ConnClosed]: "Connection Closed",
  [Code.WriteFailed]: "Write Failed",
  [Code.DialFailed]: "Dial Failed",
  [Code.BadMessage]: "Bad Message",
  [Code.Unauthorized]: "Unauthorized",
  [Code.NotFound]: "Not Found",
  [Code.MtypeNotAllowed]: "Message Type Not Allowed",
  [Code.HandleTimeout]: "Handle Timeout",
  [Code.InternalServerError]: "Internal Server Error",
  [Code.BadGateway]: "Bad Gateway",
};

/** An eRPC status: code 0 is success; `msg` names the code, `cause` says what happened. */
export class Status {
  constructor(
    readonly code: number = 0,
    readonly msg: string = "",
    readonly cause: string = "",
  ) {}

  /** A status with eRPC's message for `code` and the given cause. */
  static of(code: number, cause = ""): Status {
    return new Status(code, codeText[code] ?? "Unknown Error", cause);
  }

  /** Reads eRPC's query form `code=404&msg=Not%20Found&cause=...`; empty means OK. */
  static parse(query: string): Status {
    if (query === "") return new Status();
    const q = new URLSearchParams(query);
    const code = Number(q.get("code") ?? "0");
    if (!Number.isInteger(code)) return Status.of(Code.BadMessage, `bad status code in ${query}`);
    return new Status(code, q.get("msg") ?? "", q.get("cause") ?? "");
  }

  /** True for code 0. */
  get ok(): boolean {
    return this.code === 0;
  }

  /** eRPC's query form, as the wire carries it. */
  toQuery(): string {
    let out = `code=${this.code}`;
    if (this.msg) out += `&msg=${encodeURIComponent(this.msg)}`;
    if (this.cause) out += `&cause=${encodeURIComponent(this.cause)}`;
    return out;
  }

  /** "404 Not Found: cause", for people. */
  toString(): string {
    return `${this.code} ${this.msg}${this.cause ? ": " + this.cause : ""}`;
  }
}
