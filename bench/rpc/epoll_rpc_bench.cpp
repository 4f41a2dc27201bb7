// rpc_bench_epoll: the practical limit of this machine for the workload's framing — a bare
// single-threaded epoll echo of length-prefixed 581-byte requests and replies, no framework.
//   server --port P        client --port P -c C -s S
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "latency_stats.hpp"

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::uint32_t kPayload = 581;
constexpr std::size_t kFrame = 4 + kPayload;

volatile std::sig_atomic_t g_stop = 0;

void set_nonblocking(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

std::string make_frame() {
  std::string frame(kFrame, 'x');
  const std::uint32_t be = htonl(kPayload);
  std::memcpy(frame.data(), &be, 4);
  return frame;
}

// Per connection: bytes of the current frame read so far.
struct Conn {
  int fd = -1;
  std::size_t have = 0;
  char buf[kFrame];
  Clock::time_point sent;
};

int run_server(int port) {
  const int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(lfd, 4096) != 0) {
    std::perror("bind/listen");
    return 1;
  }
  set_nonblocking(lfd);
  const int ep = ::epoll_create1(0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;
  ::epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
  const std::string reply = make_frame();
  std::vector<epoll_event> events(1024);
  std::signal(SIGINT, [](int) { g_stop = 1; });
  std::signal(SIGTERM, [](int) { g_stop = 1; });
  while (!g_stop) {
    const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
    for (int i = 0; i < n; ++i) {
      auto* c = static_cast<Conn*>(events[static_cast<std::size_t>(i)].data.ptr);
      if (!c) {
        for (int fd; (fd = ::accept(lfd, nullptr, nullptr)) >= 0;) {
          set_nonblocking(fd);
          auto* conn = new Conn();
          conn->fd = fd;
          epoll_event cev{};
          cev.events = EPOLLIN;
          cev.data.ptr = conn;
          ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
        }
        continue;
      }
      for (;;) {
        const ssize_t r = ::read(c->fd, c->buf + c->have, kFrame - c->have);
        if (r <= 0) {
          if (r == 0 || errno != EAGAIN) {
            ::close(c->fd);
            delete c;
          }
          break;
        }
        c->have += static_cast<std::size_t>(r);
        if (c->have == kFrame) {
          c->have = 0;
          (void)::write(c->fd, reply.data(), reply.size());  // 585 bytes fit the socket buffer
        }
      }
    }
  }
  return 0;
}

int run_client(int port, int concurrency, double seconds) {
  tp::bench::raise_fd_limit();
  const int ep = ::epoll_create1(0);
  const std::string request = make_frame();
  std::vector<Conn> conns(static_cast<std::size_t>(concurrency));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (auto& c : conns) {
    c.fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (::connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      std::perror("connect");
      return 1;
    }
    set_nonblocking(c.fd);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = &c;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
  }
  tp::bench::LatencyStats stats;
  const auto start = Clock::now();
  const auto end =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  for (auto& c : conns) {
    c.sent = Clock::now();
    (void)::write(c.fd, request.data(), request.size());
  }
  int active = concurrency;
  std::vector<epoll_event> events(1024);
  while (active > 0) {
    const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 1000);
    for (int i = 0; i < n; ++i) {
      auto* c = static_cast<Conn*>(events[static_cast<std::size_t>(i)].data.ptr);
      for (;;) {
        const ssize_t r = ::read(c->fd, c->buf + c->have, kFrame - c->have);
        if (r <= 0) break;
        c->have += static_cast<std::size_t>(r);
        if (c->have < kFrame) continue;
        c->have = 0;
        const auto now = Clock::now();
        stats.add(now - c->sent);
        if (now < end) {
          c->sent = now;
          (void)::write(c->fd, request.data(), request.size());
        } else {
          ::epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, nullptr);
          --active;
          break;
        }
      }
    }
  }
  stats.print("limit", concurrency, std::chrono::duration<double>(Clock::now() - start).count());
  for (auto& c : conns) ::close(c.fd);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto opt = [&](const std::string& name, const std::string& def) {
    return tp::bench::arg_value(args, name, def);
  };
  const int port = std::stoi(opt("--port", "8973"));
  if (!args.empty() && args[0] == "server") return run_server(port);
  if (!args.empty() && args[0] == "client") {
    return run_client(port, std::stoi(opt("-c", "100")), std::stod(opt("-s", "10")));
  }
  std::cerr << "usage: rpc_bench_epoll server --port P | client --port P -c C -s S\n";
  return 2;
}
