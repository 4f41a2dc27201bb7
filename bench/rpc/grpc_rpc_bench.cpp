// rpc_bench_grpc: the same workload over gRPC C++ — async server with one completion queue per
// thread, async client keeping one unary call in flight per channel.
//   server --port P [--threads T]        client --port P -c C -s S [--threads T]
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <csignal>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

#include "benchmark_message.hpp"
#include "grpc_benchmark.grpc.pb.h"
#include "latency_stats.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using tp::bench::BenchmarkMessage;
using tp::bench::Hello;

volatile std::sig_atomic_t g_stop = 0;

// One server-side call through its states; the pointer is the completion-queue tag.
class CallData {
 public:
  CallData(Hello::AsyncService* service, grpc::ServerCompletionQueue* cq)
      : service_(service), cq_(cq), responder_(&ctx_) {
    service_->RequestSay(&ctx_, &request_, &responder_, cq_, cq_, this);
  }
  void proceed(bool ok) {
    if (finished_ || !ok) {
      delete this;
      return;
    }
    new CallData(service_, cq_);  // accept the next call
    reply_.Swap(&request_);       // in place, as the teleport side moves its request into the reply
    reply_.set_field1("OK");
    reply_.set_field2(100);
    finished_ = true;
    responder_.Finish(reply_, grpc::Status::OK, this);
  }

 private:
  Hello::AsyncService* service_;
  grpc::ServerCompletionQueue* cq_;
  grpc::ServerContext ctx_;
  BenchmarkMessage request_;
  BenchmarkMessage reply_;
  grpc::ServerAsyncResponseWriter<BenchmarkMessage> responder_;
  bool finished_ = false;
};

int run_server(int port, int threads) {
  Hello::AsyncService service;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:" + std::to_string(port), grpc::InsecureServerCredentials());
  builder.RegisterService(&service);
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> cqs;
  for (int i = 0; i < threads; ++i) cqs.push_back(builder.AddCompletionQueue());
  auto server = builder.BuildAndStart();
  if (!server) return 1;
  std::vector<std::thread> workers;
  for (auto& cq : cqs) {
    workers.emplace_back([&service, q = cq.get()] {
      for (int i = 0; i < 256; ++i) new CallData(&service, q);  // calls waiting to be accepted
      void* tag = nullptr;
      bool ok = false;
      while (q->Next(&tag, &ok)) static_cast<CallData*>(tag)->proceed(ok);
    });
  }
  std::signal(SIGINT, [](int) { g_stop = 1; });
  std::signal(SIGTERM, [](int) { g_stop = 1; });
  std::cerr << "grpc bench server on 127.0.0.1:" << port << " (" << threads
            << " completion queue thread(s))\n";
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  server->Shutdown();
  for (auto& cq : cqs) cq->Shutdown();
  for (auto& t : workers) t.join();
  return 0;
}

struct Slot {
  std::unique_ptr<Hello::Stub> stub;
  std::unique_ptr<grpc::ClientContext> ctx;
  BenchmarkMessage reply;
  grpc::Status status;
  std::unique_ptr<grpc::ClientAsyncResponseReader<BenchmarkMessage>> rpc;
  Clock::time_point sent;
};

// Drives `slots` from one completion queue until `end`; what it measured goes to `stats`.
void drive(std::vector<Slot*> slots, grpc::CompletionQueue& cq, Clock::time_point end,
           const BenchmarkMessage& request, tp::bench::LatencyStats& stats) {
  auto issue = [&](Slot& s) {
    s.ctx = std::make_unique<grpc::ClientContext>();
    s.sent = Clock::now();
    s.rpc = s.stub->PrepareAsyncSay(s.ctx.get(), request, &cq);
    s.rpc->StartCall();
    s.rpc->Finish(&s.reply, &s.status, &s);
  };
  for (auto* s : slots) issue(*s);
  auto active = slots.size();
  void* tag = nullptr;
  bool ok = false;
  while (active > 0 && cq.Next(&tag, &ok)) {
    auto& s = *static_cast<Slot*>(tag);
    const auto now = Clock::now();
    if (ok && s.status.ok() && s.reply.field1() == "OK")
      stats.add(now - s.sent);
    else
      stats.add_error();
    if (now < end)
      issue(s);
    else
      --active;
  }
}

// `concurrency` callers, each with its own channel, spread over `threads` threads that each poll
// a completion queue of their own.
int run_client(int port, int concurrency, double seconds, int threads) {
  tp::bench::raise_fd_limit();
  const BenchmarkMessage request = tp::bench::make_benchmark_message();
  std::vector<Slot> slots(static_cast<std::size_t>(concurrency));
  for (auto& s : slots) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL,
                1);  // one TCP connection per client, as the others
    s.stub = Hello::NewStub(grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port),
                                                      grpc::InsecureChannelCredentials(), args));
  }
  // Connect every channel before timing.
  for (auto& s : slots) {
    grpc::ClientContext ctx;
    BenchmarkMessage reply;
    if (!s.stub->Say(&ctx, request, &reply).ok()) {
      std::cerr << "grpc client: warm-up call failed\n";
      return 1;
    }
  }
  std::vector<grpc::CompletionQueue> cqs(static_cast<std::size_t>(threads));
  std::vector<tp::bench::LatencyStats> stats(static_cast<std::size_t>(threads));
  std::vector<std::vector<Slot*>> share(static_cast<std::size_t>(threads));
  for (std::size_t i = 0; i < slots.size(); ++i) share[i % share.size()].push_back(&slots[i]);
  const auto start = Clock::now();
  const auto end =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  std::vector<std::thread> workers;
  for (std::size_t t = 0; t < share.size(); ++t) {
    workers.emplace_back([&, t] { drive(share[t], cqs[t], end, request, stats[t]); });
  }
  for (auto& w : workers) w.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  tp::bench::LatencyStats merged;
  for (auto& st : stats) merged.merge(st);
  merged.print("grpc", concurrency, elapsed);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto opt = [&](const std::string& name, const std::string& def) {
    return tp::bench::arg_value(args, name, def);
  };
  const int port = std::stoi(opt("--port", "8974"));
  if (!args.empty() && args[0] == "server")
    return run_server(port, std::stoi(opt("--threads", "1")));
  if (!args.empty() && args[0] == "client") {
    return run_client(port, std::stoi(opt("-c", "100")), std::stod(opt("-s", "10")),
                      std::stoi(opt("--threads", "1")));
  }
  std::cerr << "usage: rpc_bench_grpc server --port P [--threads T] | client --port P -c C -s S "
               "[--threads T]\n";
  return 2;
}
