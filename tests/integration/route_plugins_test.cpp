// The stock plugins that act on routing: ignorecase, alias, overloader and binder, each between
// two peers over loopback.
#include <gtest/gtest.h>

#include "integration/math_peer.hpp"
#include "support/eventually.hpp"
#include "teleport/plugin/alias.hpp"
#include "teleport/plugin/binder.hpp"
#include "teleport/plugin/ignorecase.hpp"
#include "teleport/plugin/overloader.hpp"

namespace demo_user {
struct User {
  std::string name;
  int age = 0;
  std::string email;
  std::string role;
  std::vector<std::string> tags;
  std::optional<int> team;
};
BOOST_DESCRIBE_STRUCT(User, (), (name, age, email, role, tags, team))
}  // namespace demo_user

namespace tp {
namespace {

using demo_user::User;
using plugin::FieldRule;

PeerConfig server_config() { return {.listen_address = "127.0.0.1:0"}; }

std::shared_ptr<Session> dial(Peer& client, const test::MathServer& srv) {
  auto [session, st] = client.dial(srv.addr());
  EXPECT_TRUE(st.ok()) << st.to_string();
  return session;
}

TEST(IgnoreCasePlugin, AnyCaseReachesTheRouteAndTheQueryKeepsItsCase) {
  test::MathServer srv;  // no plugin: the case matters
  Peer client;
  auto session = dial(client, srv);
  int sum = 0;
  EXPECT_EQ(session->call<int>("/MATH/Add", std::vector<int>{1, 2}).into(sum).code(),
            code::kNotFound);

  Peer server({.listen_address = "127.0.0.1:0"}, {std::make_shared<plugin::IgnoreCase>()});
  std::string author;
  EXPECT_TRUE(server
                  .route_call_func("/math/add",
                                   [&](Ctx& ctx, const std::vector<int>& xs) -> Result<int> {
                                     author = ctx.query_param("author").value_or("");
                                     return xs.at(0) + xs.at(1);
                                   })
                  .ok());
  std::atomic<int> pushes{0};
  EXPECT_TRUE(
      server.route_push_func("/chat/say", [&](Ctx&, const std::string&) { ++pushes; }).ok());
  ASSERT_TRUE(server.listen().ok());
  auto [s2, st] = client.dial("127.0.0.1:" + std::to_string(server.listen_port()));
  ASSERT_TRUE(st.ok());
  ASSERT_TRUE(s2->call<int>("/MATH/Add?author=AnnE", std::vector<int>{1, 2}).into(sum).ok());
  EXPECT_EQ(sum, 3);
  EXPECT_EQ(author, "AnnE");
  ASSERT_TRUE(s2->push("/Chat/SAY", std::string("hi")).ok());
  ASSERT_TRUE(s2->call<int>("/math/add", std::vector<int>{2, 2}).into(sum).ok());  // after the push
  EXPECT_EQ(pushes.load(), 1);
}

TEST(AliasPlugin, AnAliasReachesItsRouteWithItsQueryAndOriginalsStillWork) {
  auto alias = std::make_shared<plugin::Alias>(std::map<std::string, std::string, std::less<>>{
      {"/add", "/math/add"}, {"/say", "/chat/say"}});
  Peer server(server_config(), {alias});
  std::string author;
  EXPECT_TRUE(server
                  .route_call_func("/math/add",
                                   [&](Ctx& ctx, const std::vector<int>& xs) -> Result<int> {
                                     author = ctx.query_param("author").value_or("");
                                     return xs.at(0) + xs.at(1);
                                   })
                  .ok());
  std::atomic<int> pushes{0};
  EXPECT_TRUE(
      server.route_push_func("/chat/say", [&](Ctx&, const std::string&) { ++pushes; }).ok());
  ASSERT_TRUE(server.listen().ok());
  Peer client;
  auto [s, st] = client.dial("127.0.0.1:" + std::to_string(server.listen_port()));
  ASSERT_TRUE(st.ok());
  int sum = 0;
  ASSERT_TRUE(s->call<int>("/add?author=x", std::vector<int>{3, 4}).into(sum).ok());
  EXPECT_EQ(sum, 7);
  EXPECT_EQ(author, "x");
  ASSERT_TRUE(s->call<int>("/math/add", std::vector<int>{1, 1}).into(sum).ok());
  EXPECT_EQ(sum, 2);
  EXPECT_EQ(s->call<int>("/adds", std::vector<int>{1, 1}).into(sum).code(), code::kNotFound);
  ASSERT_TRUE(s->push("/say", std::string("hi")).ok());
  ASSERT_TRUE(s->call<int>("/add", std::vector<int>{1, 1}).into(sum).ok());
  EXPECT_EQ(pushes.load(), 1);
}

TEST(OverloaderPlugin, RouteQpsLimitAnswersAtOnceAndTheWindowRefills) {
  auto guard = std::make_shared<plugin::Overloader>(plugin::OverloadLimits{
      .qps_interval = std::chrono::milliseconds(400), .max_route_qps = {{"/math/add", 3}}});
  Peer server(server_config(), {guard});
  EXPECT_TRUE(
      server
          .route_call_func("/math/add",
                           [](Ctx&, const std::vector<int>& xs) -> Result<int> { return xs.at(0); })
          .ok());
  EXPECT_TRUE(
      server.route_call_func("/other", [](Ctx&, const int& x) -> Result<int> { return x; }).ok());
  ASSERT_TRUE(server.listen().ok());
  Peer client;
  auto [s, st] = client.dial("127.0.0.1:" + std::to_string(server.listen_port()));
  ASSERT_TRUE(st.ok());
  // Calls in flight at once: exactly 3 of 10 in one window pass, 7 are refused with eRPC's status.
  std::atomic<int> ok{0};
  std::atomic<int> refused{0};
  std::promise<void> all;
  std::atomic<int> left{10};
  for (int i = 0; i < 10; ++i) {
    s->async_call<int, std::vector<int>>("/math/add", {i}, [&](Status st, int) {
      if (st.ok())
        ++ok;
      else if (st.code() == code::kInternalServerError &&
               st.msg() == "qps overload, handler_limit=3")
        ++refused;
      if (--left == 0) all.set_value();
    });
  }
  ASSERT_EQ(all.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(ok.load(), 3);
  EXPECT_EQ(refused.load(), 7);
  int x = 0;
  EXPECT_TRUE(s->call<int>("/other", 5).into(x).ok());  // other routes are not limited
  std::this_thread::sleep_for(std::chrono::milliseconds(450));
  EXPECT_TRUE(s->call<int>("/math/add", std::vector<int>{1}).into(x).ok());  // a new window
}

TEST(OverloaderPlugin, TotalQpsAndConnectionLimit) {
  auto guard = std::make_shared<plugin::Overloader>(plugin::OverloadLimits{
      .max_connections = 2, .qps_interval = std::chrono::seconds(30), .max_total_qps = 4});
  Peer server(server_config(), {guard});
  EXPECT_TRUE(
      server.route_call_func("/echo", [](Ctx&, const int& x) -> Result<int> { return x; }).ok());
  ASSERT_TRUE(server.listen().ok());
  const std::string addr = "127.0.0.1:" + std::to_string(server.listen_port());
  Peer client;
  auto [a, sta] = client.dial(addr);
  auto [b, stb] = client.dial(addr);
  ASSERT_TRUE(sta.ok() && stb.ok());
  int x = 0;
  for (int i = 0; i < 4; ++i) EXPECT_TRUE((i % 2 ? a : b)->call<int>("/echo", i).into(x).ok());
  Status over = a->call<int>("/echo", 9).into(x);
  EXPECT_EQ(over.msg(), "qps overload, total_limit=4");
  EXPECT_TRUE(test::eventually([&] { return guard->connections() == 2; }));

  // A third connection is closed by the server at once: its calls fail, the others keep going.
  auto [c, stc] = client.dial(addr);
  ASSERT_TRUE(stc.ok());
  Status third = c->call<int>("/echo", 1, {.timeout = std::chrono::seconds(5)}).into(x);
  EXPECT_EQ(third.code(), code::kConnClosed) << third.to_string();
  EXPECT_EQ(guard->connections(), 2);

  // Closing one frees its place; new limits apply at once.
  guard->update({.max_connections = 2, .qps_interval = std::chrono::seconds(30)});
  a->close();
  for (int i = 0; i < 200 && guard->connections() > 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(guard->connections(), 1);
  auto [d, std_] = client.dial(addr);
  ASSERT_TRUE(std_.ok());
  EXPECT_TRUE(d->call<int>("/echo", 7).into(x).ok());
  EXPECT_EQ(x, 7);
  EXPECT_TRUE(b->call<int>("/echo", 8).into(x).ok());
}

std::map<std::string, FieldRule, std::less<>> user_rules() {
  return {
      {"name", {.required = true, .max_len = 8}},
      {"age", {.min = 0, .max = 150}},
      {"email", {.regex = R"([^@]+@[^@]+\.[a-z]+)"}},
      {"role", {.one_of = {"admin", "user"}}},
      {"tags", {.max_len = 2}},
      {"team", {.required = true}},
  };
}

TEST(BinderPlugin, ViolationsAreAnswered400NamingTheFieldBeforeTheHandlerRuns) {
  Peer server(server_config());
  std::atomic<int> handled{0};
  std::atomic<int> pushed{0};
  auto binder = std::make_shared<plugin::Binder<User>>(user_rules());
  EXPECT_TRUE(server
                  .route_call_func("/user/add",
                                   [&](Ctx&, const User& u) -> Result<std::string> {
                                     ++handled;
                                     return u.name;
                                   },
                                   {.plugins = {binder}})
                  .ok());
  EXPECT_TRUE(server
                  .route_push_func("/user/note", [&](Ctx&, const User&) { ++pushed; },
                                   {.plugins = {binder}})
                  .ok());
  ASSERT_TRUE(server.listen().ok());
  Peer client;
  auto [s, st] = client.dial("127.0.0.1:" + std::to_string(server.listen_port()));
  ASSERT_TRUE(st.ok());

  const User good{"ann", 30, "ann@example.org", "admin", {"a"}, 7};
  std::string name;
  ASSERT_TRUE(s->call<std::string>("/user/add", good).into(name).ok());
  EXPECT_EQ(name, "ann");

  auto cause_of = [&](User u) {
    Status result = s->call<std::string>("/user/add", u).into(name);
    EXPECT_EQ(result.code(), code::kBadMessage);
    return std::string(result.cause());
  };
  User u = good;
  u.name = "";
  EXPECT_EQ(cause_of(u), "field name: is required (must not be empty)");
  u = good;
  u.name = "much-too-long";
  EXPECT_EQ(cause_of(u), "field name: length 13 is above the maximum 8");
  u = good;
  u.age = 200;
  EXPECT_EQ(cause_of(u), "field age: 200 is above the maximum 150");
  u = good;
  u.age = -1;
  EXPECT_EQ(cause_of(u), "field age: -1 is below the minimum 0");
  u = good;
  u.email = "nobody";
  EXPECT_EQ(cause_of(u), "field email: \"nobody\" does not match [^@]+@[^@]+\\.[a-z]+");
  u = good;
  u.role = "root";
  EXPECT_EQ(cause_of(u), "field role: \"root\" is not one of admin, user");
  u = good;
  u.tags = {"a", "b", "c"};
  EXPECT_EQ(cause_of(u), "field tags: length 3 is above the maximum 2");
  u = good;
  u.team.reset();
  EXPECT_EQ(cause_of(u), "field team: is required");
  EXPECT_EQ(handled.load(), 1);  // no violating call reached the handler

  u = good;
  u.age = 999;
  ASSERT_TRUE(s->push("/user/note", u).ok());
  ASSERT_TRUE(s->push("/user/note", good).ok());
  ASSERT_TRUE(s->call<std::string>("/user/add", good).into(name).ok());
  EXPECT_EQ(pushed.load(), 1);  // the violating push was dropped
}

TEST(BinderPlugin, ARuleForAFieldTheTypeLacksFailsAtStartUp) {
  EXPECT_THROW(plugin::Binder<User>({{"nickname", {.required = true}}}), std::invalid_argument);
  EXPECT_THROW(plugin::Binder<User>({{"name", {.regex = "("}}}), std::regex_error);
}

}  // namespace
}  // namespace tp
