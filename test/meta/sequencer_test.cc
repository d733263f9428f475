// server/meta/sequencer.cc: group commit, savepoints, timestamps, shutdown.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "common/clock.h"
#include "server/meta/sequencer.h"
#include "test/meta/support/core_fixture.h"

using namespace weft;
using namespace weft::meta;
using namespace weft::meta::test;

#define ENGINES MemEngine, RocksEngine

namespace {
struct Env {
  MetaOptions options = TestOptions();
  MetaEnv env;
  Env() { env.options = &options; }
};

std::string Get(KvStore& kv, const std::string& k) {
  auto v = kv.Get(k);
  REQUIRE(v.ok());
  return v->value_or("<absent>");
}
}  // namespace

TEMPLATE_TEST_CASE("ops of one group see each other's writes and a failed op leaves no trace", "[meta][sequencer]", ENGINES) {
  TestType engine;
  auto kv = engine.Open();
  Env e;
  e.options.max_group_ops = 100;
  Sequencer seq(kv.get(), e.env);
  std::vector<Status> results(3);
  std::atomic<int> done{0};
  auto submit = [&](int i, std::function<Status(OpContext&)> body) {
    PendingOp op;
    op.body = std::move(body);
    op.done = [&, i](const Status& s) {
      results[static_cast<size_t>(i)] = s;
      done++;
    };
    seq.Submit(std::move(op));
  };
  submit(0, [](OpContext& ctx) {
    ctx.batch().Put("xa", "1");
    return Status::Ok();
  });
  submit(1, [](OpContext& ctx) {
    ctx.batch().Put("xb", "2");
    ctx.batch().Put("xa", "clobbered");
    return Err(EEXIST, "fails after writing");
  });
  submit(2, [](OpContext& ctx) {
    auto v = ctx.reader().Get("xa");
    if (!v.ok() || !v->has_value() || **v != "1") return Err(EIO, "did not see op 0's write");
    ctx.batch().Put("xc", "3");
    return Status::Ok();
  });
  while (done.load() < 3) std::this_thread::yield();
  CHECK(results[0].ok());
  CHECK(results[1].err() == EEXIST);
  CHECK(results[2].ok());
  CHECK(Get(*kv, "xa") == "1");
  CHECK(Get(*kv, "xb") == "<absent>");
  CHECK(Get(*kv, "xc") == "3");
}

TEMPLATE_TEST_CASE("concurrent submitters share group commits", "[meta][sequencer]", ENGINES) {
  TestType engine;
  auto kv = engine.Open();
  Env e;
  Sequencer seq(kv.get(), e.env);
  constexpr int kThreads = 8, kOps = 200;
  std::atomic<int> failed{0};  // Catch's assertions are not thread-safe: checked after the join
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kOps; ++i) {
        std::string key = "k" + std::to_string(t) + "." + std::to_string(i);
        // Each op takes a while, as a synced commit does: the others queue behind the running group
        // (with the mem engine and instant ops, submitters rarely overlap).
        // Every 7th op fails with its own message: each waiter must get its own op's result, whichever
        // thread (its own, another submitter's, the sequencer's) ran the group.
        const bool fail = i % 7 == 0;
        Status s = seq.Run([key, fail](OpContext& ctx) {
          std::this_thread::sleep_for(std::chrono::microseconds(100));
          if (fail) return Err(EEXIST, "{}", key);
          ctx.batch().Put(key, "v");
          return Status::Ok();
        });
        if (fail ? s.err() != EEXIST || s.message().find(key) == std::string::npos : !s.ok()) failed++;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failed == 0);
  auto st = seq.stats();
  CHECK(st.ops == kThreads * kOps);
  CHECK(st.groups < st.ops);  // some groups carried several ops
  CHECK(Get(*kv, "k7.199") == "v");
  CHECK(Get(*kv, "k7.196") == "<absent>");  // 196 = 7 * 28: failed, left nothing
}

TEMPLATE_TEST_CASE("every op gets a unique, increasing timestamp", "[meta][sequencer]", ENGINES) {
  TestType engine;
  auto kv = engine.Open();
  Env e;
  Sequencer seq(kv.get(), e.env);
  std::vector<int64_t> stamps;
  std::mutex mu;
  std::vector<std::thread> threads;
  std::atomic<int> failed{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        Status s = seq.Run([&](OpContext& ctx) {
          std::lock_guard lock(mu);
          stamps.push_back(ctx.now_ns());
          return Status::Ok();
        });
        if (!s.ok()) failed++;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failed == 0);
  for (size_t i = 1; i < stamps.size(); ++i) CHECK(stamps[i] > stamps[i - 1]);
}

TEMPLATE_TEST_CASE("a submit after stop completes with ESHUTDOWN", "[meta][sequencer]", ENGINES) {
  TestType engine;
  auto kv = engine.Open();
  Env e;
  Sequencer seq(kv.get(), e.env);
  seq.Stop();
  CHECK(seq.Run([](OpContext&) { return Status::Ok(); }).err() == ESHUTDOWN);
}

TEST_CASE("a group syncs unless every op in it skipped the sync", "[meta][sequencer]") {
  RocksEngine engine;
  auto kv = engine.Open();
  Env e;
  e.options.sync = true;
  Sequencer seq(kv.get(), e.env);
  REQUIRE(seq.Run([](OpContext& ctx) {
    ctx.batch().Put("a", "1");
    return Status::Ok();
  }).ok());
  CHECK(seq.stats().synced_groups == 1);
  REQUIRE(seq.Run([](OpContext& ctx) {
    ctx.batch().Put("b", "2");
    ctx.SkipSync();
    return Status::Ok();
  }).ok());
  CHECK(seq.stats().groups == 2);
  CHECK(seq.stats().synced_groups == 1);
  CHECK(Get(*kv, "b") == "2");  // applied and readable at once
  // A failed op that wanted a sync changed nothing: its group need not sync.
  CHECK(seq.Run([](OpContext& ctx) {
    ctx.batch().Put("c", "3");
    return Err(EEXIST, "fails");
  }).err() == EEXIST);
  CHECK(seq.stats().synced_groups == 1);
}

TEMPLATE_TEST_CASE("an op that asks to run later leaves no trace and no recorded reply", "[meta][sequencer][dir_lease]",
                   ENGINES) {
  TestType engine;
  auto kv = engine.Open();
  Env e;
  Sequencer seq(kv.get(), e.env);
  // The same (session, request id) three times: asks to run later, then runs, then is a retry.
  auto submit = [&](std::function<Status(OpContext&)> body) {
    std::promise<Status> result;
    PendingOp op;
    op.session_id = 7;
    op.request_id = 1;
    op.body = std::move(body);
    op.done = [&result](const Status& s) { result.set_value(s); };
    seq.Submit(std::move(op));
    return result.get_future().get();
  };
  Status later = submit([](OpContext& ctx) {
    ctx.batch().Put("xr", "first");
    return ctx.RetryLater(MonoMs() + 10);
  });
  CHECK(later.err() == kRetryLater);
  CHECK(Get(*kv, "xr") == "<absent>");
  int runs = 0;
  Status ran = submit([&](OpContext& ctx) {
    ++runs;
    ctx.batch().Put("xr", "second");
    return Status::Ok();
  });
  CHECK(ran.ok());
  CHECK(runs == 1);  // not answered from a record: none was kept for the first attempt
  CHECK(Get(*kv, "xr") == "second");
  Status retried = submit([&](OpContext&) {
    ++runs;
    return Err(EIO, "must not run");
  });
  CHECK(retried.ok());  // the recorded reply of the run that happened
  CHECK(runs == 1);
}
