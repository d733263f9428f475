// Hostile bytes on the data port: garbage, truncated frames, oversized lengths, unknown types and bad
// header checksums close that one connection; the server stays up and serves a good client after.
#include <catch2/catch.hpp>

#include <cstring>

#include "common/frame.h"
#include "test/chunk/chain_fixture.h"
#include "test/chunk/store_harness.h"

using weft::test::ChainFixture;
using weft::test::MakeRead;
using weft::test::MakeWrite;
using weft::test::TestDataClient;
using weft::chunk::test::RandomBytes;

namespace {
void CheckServes(ChainFixture& f, uint32_t index) {
  TestDataClient c(f.Addr(0), f.Signer(), f.tls());
  std::string d = RandomBytes(5000, index);
  auto w = c.Call(weft::FRAME_WRITE, MakeWrite(700, index, f.chain, 0, d), d);
  REQUIRE(w.reply.err() == 0);
  auto r = c.Call(weft::FRAME_READ, MakeRead(700, index, f.chain, 0, 5000));
  REQUIRE(r.reply.err() == 0);
  CHECK(r.payload == d);
  CHECK(f.cluster.chunk(f.Index(0)).process.running());
}
std::string Header(uint8_t type, uint32_t header_len, uint32_t payload_len) {
  weft::FrameHeader h;
  h.type = type;
  h.request_id = 1;
  h.payload_len = payload_len;
  std::string msg(header_len, '\0');
  std::string out(weft::kFixedHeaderSize, '\0');
  weft::EncodeFixedHeader(h, msg, reinterpret_cast<uint8_t*>(out.data()));
  return out;
}
}  // namespace

TEST_CASE("garbage bytes on the data port close that connection only", "[chunk][integration][garbage]") {
  ChainFixture f;
  TestDataClient good(f.Addr(0), f.Signer(), f.tls());  // opened before the attacks, used after each
  struct Attack {
    const char* what;
    std::string bytes;
  };
  std::string d = RandomBytes(4096, 5);
  std::string write_frame =
      weft::EncodeFrame(weft::FRAME_WRITE, 1, MakeWrite(700, 50, f.chain, 0, d).SerializeAsString(), d, 0);
  std::string bad_crc = weft::EncodeFrame(weft::FRAME_PING, 1, "", "", 0);
  bad_crc[10] ^= 1;
  std::vector<Attack> attacks = {
      {"random bytes", RandomBytes(100000, 99)},
      {"a header that claims a huge payload", Header(weft::FRAME_WRITE, 0, 0xF0000000u)},
      {"a header that claims a huge header message", Header(weft::FRAME_READ, 0x7FFFFFFF, 0)},
      {"an unknown frame type", weft::EncodeFrame(42, 1, "", "", 0)},
      {"a header checksum mismatch", bad_crc},
      {"an unparsable header message", weft::EncodeFrame(weft::FRAME_WRITE, 1, "\xff\xff\xff\xff\xff", "", 0)},
      {"a payload on a frame type that takes none",
       weft::EncodeFrame(weft::FRAME_READ, 1, MakeRead(1, 0, f.chain, 0, 1).SerializeAsString(), "extra", 0)},
  };
  uint32_t index = 0;
  for (const Attack& a : attacks) {
    INFO(a.what);
    TestDataClient c(f.Addr(0), f.Signer(), f.tls());
    try {
      c.SendRaw(a.bytes);
    } catch (const std::runtime_error&) {
      // The server may close before all of it is sent (EPIPE): that is the behaviour under test.
    }
    CHECK(c.WaitClosed(5000));
    CheckServes(f, index++);
  }
  for (size_t cut : {1ul, 20ul, 40ul, 100ul, write_frame.size() - 1}) {
    INFO("a frame cut after " << cut << " bytes");
    {
      TestDataClient c(f.Addr(0), f.Signer(), f.tls());
      c.SendRaw(write_frame.substr(0, cut));
    }  // closes mid-frame
    CheckServes(f, index++);
  }
  {
    INFO("a malformed but well-framed request gets EINVAL and the connection lives");
    TestDataClient c(f.Addr(0), f.Signer(), f.tls());
    auto w = MakeWrite(700, 0, f.chain, 0, "abc");
    w.set_length(5);
    CHECK(c.Call(weft::FRAME_WRITE, w, "abc").reply.err() == EINVAL);
    CHECK(c.Call(weft::FRAME_PING, weft::DataReply()).reply.err() == 0);
  }
  // The connection opened before the attacks still works, and the server logged each reason.
  CHECK(good.Call(weft::FRAME_PING, weft::DataReply()).reply.err() == 0);
  CHECK(f.cluster.chunk(f.Index(0)).process.running());
  std::string log = weft::test::TailFile(f.cluster.chunk(f.Index(0)).process.log_path(), 1 << 20);
  CHECK_THAT(log, Catch::Contains("bad frame magic"));
  CHECK_THAT(log, Catch::Contains("exceeds the limit"));
  CHECK_THAT(log, Catch::Contains("unknown frame type 42"));
  CHECK_THAT(log, Catch::Contains("checksum mismatch"));
  CHECK_THAT(log, Catch::Contains("truncated frame"));
}
