// Status: the error value every layer returns, with Go eRPC's codes, texts and wire encoding.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace tp {

/// Go eRPC's status codes. Application codes should be above 1000.
namespace code {
inline constexpr std::int32_t kUnknownError = -1;  ///< an error with no code of its own
inline constexpr std::int32_t kOK = 0;             ///< success
inline constexpr std::int32_t kInvalidOp =
    1;  ///< the operation is not allowed here (e.g. a blocking call on an I/O thread)
inline constexpr std::int32_t kWrongConn =
    100;  ///< the connection is not usable (e.g. an adopted descriptor that is not a socket)
inline constexpr std::int32_t kConnClosed = 102;  ///< the connection closed before the reply
/// Ours, never sent: a reply arrived but its body does not decode into the caller's type (a
/// mismatch on this side, unlike a 400 the remote side sends).
inline constexpr std::int32_t kReplyDecodeFailed = 103;
inline constexpr std::int32_t kWriteFailed = 104;  ///< writing to the connection failed
inline constexpr std::int32_t kDialFailed = 105;   ///< connecting failed
inline constexpr std::int32_t kBadMessage =
    400;  ///< a malformed frame or a body that does not decode
inline constexpr std::int32_t kUnauthorized = 401;  ///< authentication refused
inline constexpr std::int32_t kNotFound = 404;      ///< no route for the service method
inline constexpr std::int32_t kMtypeNotAllowed =
    405;  ///< the route exists for the other message type
inline constexpr std::int32_t kHandleTimeout =
    408;  ///< the call outlived its deadline (caller) or context age (handler)
inline constexpr std::int32_t kInternalServerError = 500;  ///< the handler failed (threw)
inline constexpr std::int32_t kBadGateway = 502;           ///< a proxy could not reach its backend
}  // namespace code

/// The text Go eRPC gives a code ("Not Found" for 404, "" for 0, "Unknown Error" otherwise).
std::string_view code_text(std::int32_t code) noexcept;

/// An error value: code, message and optional cause. Default-constructed means OK. A function
/// that can fail returns one (or a Result); ignoring it is a warning — write `(void)` to mean it.
class [[nodiscard]] Status {
 public:
  /// OK: code 0, no message, no cause.
  Status() = default;
  /// A status with a message and no cause.
  Status(std::int32_t code, std::string msg) : code_(code) {
    if (!msg.empty()) detail_ = new Detail{std::move(msg), {}, false};
  }
  /// A status with a message and a cause (an empty cause is still written, as Go does).
  Status(std::int32_t code, std::string msg, std::string cause)
      : code_(code), detail_(new Detail{std::move(msg), std::move(cause), true}) {}
  /// Copies code, message and cause.
  Status(const Status& other)
      : code_(other.code_), detail_(other.detail_ ? new Detail(*other.detail_) : nullptr) {}
  /// Copies code, message and cause.
  Status& operator=(const Status& other) {
    if (this != &other) *this = Status(other);
    return *this;
  }
  /// Takes the other's code, message and cause; the other keeps its code.
  Status(Status&& other) noexcept
      : code_(other.code_), detail_(std::exchange(other.detail_, nullptr)) {}
  /// Takes the other's code, message and cause (the other keeps its code).
  Status& operator=(Status&& other) noexcept {
    code_ = other.code_;
    if (this != &other) drop(std::exchange(detail_, std::exchange(other.detail_, nullptr)));
    return *this;
  }
  ~Status() { drop(detail_); }

  /// The status for `code` with eRPC's text for it as message and `cause` as cause.
  static Status from_code(std::int32_t code, std::string cause);
  /// Shorthand for a 400 Bad Message status with a precise cause.
  static Status bad_message(std::string cause) {
    return from_code(code::kBadMessage, std::move(cause));
  }

  /// True when the code is 0.
  [[nodiscard]] bool ok() const noexcept { return code_ == code::kOK; }
  /// The numeric code.
  [[nodiscard]] std::int32_t code() const noexcept { return code_; }
  /// The message ("Not Found").
  [[nodiscard]] const std::string& msg() const noexcept {
    return detail_ ? detail_->msg : empty_text();
  }
  /// The cause (the detail), empty when none.
  [[nodiscard]] const std::string& cause() const noexcept {
    return detail_ ? detail_->cause : empty_text();
  }
  /// True when a cause was set, even an empty one.
  [[nodiscard]] bool has_cause() const noexcept { return detail_ && detail_->has_cause; }

  /// Appends the Go wire form: `code=N[&msg=..][&cause=..]` (meta escaping).
  void append_query(std::string& out) const;
  /// The Go wire form as a new string.
  [[nodiscard]] std::string to_query() const;
  /// Parses the Go wire form; an empty text is OK. Unknown keys are ignored.
  static Status parse_query(std::string_view text, Status& out);

  /// Human-readable form: "404 Not Found: cause".
  [[nodiscard]] std::string to_string() const;

  /// Equal code, message and cause.
  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.msg() == b.msg() && a.cause() == b.cause() &&
           a.has_cause() == b.has_cause();
  }

 private:
  // Message and cause live apart, so that the common case — OK, or a bare code — is a code and a
  // null pointer: moving, clearing and destroying it cost next to nothing on every call.
  struct Detail {
    std::string msg;
    std::string cause;
    bool has_cause = false;
  };
  static const std::string& empty_text() noexcept;
  Detail& detail();  // made on first need
  // Frees a detail. Only this test is inline: every call destroys several OK statuses, and a
  // std::unique_ptr's destructor (it deletes two strings) is a call that GCC does not inline.
  static void drop(Detail* d) noexcept {
    if (d) [[unlikely]]
      delete_detail(d);
  }
  static void delete_detail(Detail* d) noexcept;

  std::int32_t code_ = code::kOK;
  Detail* detail_ = nullptr;  // owned; null for OK and for a bare code
};

/// What a fallible function that produces a value returns: the value, or a non-OK status. The one
/// shape for such functions across the library (dial, call, open_stream, handlers' results).
/// Its members are public, so `auto [value, status] = peer.dial(addr);` takes it apart.
template <class T>
struct [[nodiscard]] Result {
  /// A successful result (copied; `return x;` of a local moves instead).
  Result(const T& v) : value(v) {}  // NOLINT(google-explicit-constructor): `return 6;`
  /// A successful result, moved in: one move, not two (a protobuf message's move is a swap).
  Result(T&& v) : value(std::move(v)) {}  // NOLINT(google-explicit-constructor)
  /// A failed result.
  Result(Status st) : status(std::move(st)) {}  // NOLINT(google-explicit-constructor)
  /// An OK result with a default value (coroutine plumbing needs one).
  Result() = default;

  /// True when the status is OK (the value is meaningful).
  [[nodiscard]] bool ok() const noexcept { return status.ok(); }
  /// Moves the value into `out` when OK, and returns the status.
  Status into(T& out) && {
    if (status.ok()) out = std::move(value);
    return std::move(status);
  }

  T value{};        ///< the value (meaningful when status is OK)
  Status status{};  ///< OK, or why it failed
};

}  // namespace tp
