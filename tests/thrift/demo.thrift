// Thrift types for tests and examples (the Thrift compiler generates C++ from this at build time).
namespace cpp tp_demo

// eRPC's proto/thriftproto test type.
struct Test {
  1: string author
}

struct Point {
  1: i32 x
  2: i32 y
  3: optional string label
  4: list<i64> tags
}
