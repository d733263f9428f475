#include "client/cli/output.h"

#include <catch2/catch.hpp>
#include <sstream>

#include "test/cli/json.h"

namespace weft::cli {
namespace {

using test::Json;

Value Sample() {
  Value servers = Value::MakeArray();
  servers.Push(Value::MakeObject().Set("id", 1u).Set("state", "up").Set("disks", Value::MakeArray().Push("/d1")));
  servers.Push(Value::MakeObject().Set("id", 2u).Set("state", "down").Set("disks", Value::MakeArray()));
  Value doc = Value::MakeObject();
  doc.Set("servers_up", 1u)
      .Set("servers_down", uint64_t{1})
      .Set("delta", int64_t{-3})
      .Set("ratio", 0.5)
      .Set("healthy", false)
      .Set("name", "weft")
      .Set("nothing", Value())
      .Set("servers", std::move(servers))
      .Set("empty", Value::MakeObject());
  return doc;
}

TEST_CASE("ToJson prints valid JSON with numbers as numbers, in insertion order", "[cli][output]") {
  std::string text = ToJson(Sample());
  Json j = Json::Parse(text);
  CHECK(j["servers_up"].num() == 1);
  CHECK(j["servers_down"].num() == 1);
  CHECK(j["delta"].num() == -3);
  CHECK(j["ratio"].num() == 0.5);
  CHECK(j["healthy"].boolean() == false);
  CHECK(j["name"].str() == "weft");
  CHECK(j["servers"].size() == 2);
  CHECK(j["servers"][1]["state"].str() == "down");
  CHECK(j["servers"][0]["disks"][0].str() == "/d1");
  CHECK(j["empty"].size() == 0);
  CHECK(text.find("\"servers_up\"") < text.find("\"servers_down\""));
  CHECK(text.find("\"servers_down\"") < text.find("\"servers\": ["));
  CHECK(text.back() == '\n');
}

TEST_CASE("ToJson pretty-prints with two-space indentation", "[cli][output]") {
  Value v = Value::MakeObject().Set("a", 1).Set("b", Value::MakeArray().Push(true)).Set("c", Value::MakeArray());
  CHECK(ToJson(v) == "{\n  \"a\": 1,\n  \"b\": [\n    true\n  ],\n  \"c\": []\n}\n");
  CHECK(ToJson(Value::MakeObject()) == "{}\n");
}

TEST_CASE("ToJson escapes strings per RFC 8259", "[cli][output]") {
  std::string nasty = "q\"b\\s\nn\tt\x01 é";
  std::string text = ToJson(Value::MakeObject().Set(nasty, nasty));
  CHECK_THAT(text, Catch::Contains("\\\"") && Catch::Contains("\\\\") && Catch::Contains("\\n") &&
                       Catch::Contains("\\t") && Catch::Contains("\\u0001"));
  Json j = Json::Parse(text);
  CHECK(j[nasty].str() == nasty);
}

TEST_CASE("ToJson keeps 64-bit integers exact", "[cli][output]") {
  CHECK(ToJson(Value::MakeObject().Set("max", UINT64_MAX)) == "{\n  \"max\": 18446744073709551615\n}\n");
  CHECK(ToJson(Value::MakeObject().Set("min", INT64_MIN)) == "{\n  \"min\": -9223372036854775808\n}\n");
}

TEST_CASE("Value::Set replaces an existing key in place", "[cli][output]") {
  Value v = Value::MakeObject().Set("a", 1).Set("b", 2).Set("a", 3);
  REQUIRE(v.object().size() == 2);
  CHECK(v.object()[0].first == "a");
  CHECK(ToJson(v) == "{\n  \"a\": 3,\n  \"b\": 2\n}\n");
  CHECK(v.Find("b") != nullptr);
  CHECK(v.Find("zz") == nullptr);
}

TEST_CASE("ToYaml prints block YAML, sequences at their key's indentation", "[cli][output]") {
  std::string expected =
      "servers_up: 1\n"
      "servers_down: 1\n"
      "delta: -3\n"
      "ratio: 0.5\n"
      "healthy: false\n"
      "name: weft\n"
      "nothing: null\n"
      "servers:\n"
      "- id: 1\n"
      "  state: up\n"
      "  disks:\n"
      "  - \"/d1\"\n"
      "- id: 2\n"
      "  state: down\n"
      "  disks: []\n"
      "empty: {}\n";
  CHECK(ToYaml(Sample()) == expected);
}

TEST_CASE("ToYaml quotes strings YAML would read as something else", "[cli][output]") {
  auto y = [](const char* s) { return ToYaml(Value::MakeObject().Set("k", s)); };
  CHECK(y("acme") == "k: acme\n");
  CHECK(y("data-1.v2") == "k: data-1.v2\n");
  CHECK(y("") == "k: \"\"\n");
  CHECK(y("true") == "k: \"true\"\n");
  CHECK(y("No") == "k: \"No\"\n");
  CHECK(y("off") == "k: \"off\"\n");
  CHECK(y("null") == "k: \"null\"\n");
  CHECK(y("~") == "k: \"~\"\n");
  CHECK(ToYaml(Value::MakeObject().Set("y", 1)) == "\"y\": 1\n");  // a key can be a keyword too
  CHECK(y("123") == "k: \"123\"\n");
  CHECK(y("1.5") == "k: \"1.5\"\n");
  CHECK(y("127.0.0.1:7400") == "k: \"127.0.0.1:7400\"\n");
  CHECK(y("a: b") == "k: \"a: b\"\n");
  CHECK(y("- x") == "k: \"- x\"\n");
  CHECK(y("#x") == "k: \"#x\"\n");
  CHECK(y("line\nbreak") == "k: \"line\\nbreak\"\n");
  CHECK(y("degraded (1 servers down)") == "k: \"degraded (1 servers down)\"\n");
}

TEST_CASE("ToYaml prints nested sequences and objects in lists", "[cli][output]") {
  Value inner = Value::MakeArray().Push(1).Push(2);
  Value v = Value::MakeObject().Set("m", Value::MakeArray().Push(inner).Push(Value::MakeObject().Set("x", Value::MakeObject().Set("w", 1))));
  CHECK(ToYaml(v) ==
        "m:\n"
        "- - 1\n"
        "  - 2\n"
        "- x:\n"
        "    w: 1\n");
}

TEST_CASE("Table aligns columns three spaces apart and trims trailing blanks", "[cli][output]") {
  Table t({"NAME", "SIZE", "MODE"});
  t.AddRow({"data", "10Gi", "shared"});
  t.AddRow({"a-much-longer-name", "1.5Ti"});  // short row: padded
  CHECK(t.Render() ==
        "NAME                 SIZE    MODE\n"
        "data                 10Gi    shared\n"
        "a-much-longer-name   1.5Ti\n");
}

TEST_CASE("Table counts UTF-8 code points, not bytes, for alignment", "[cli][output]") {
  Table t({"A", "B"});
  t.AddRow({"héé", "x"});
  t.AddRow({"abc", "y"});
  CHECK(t.Render() == "A     B\nhéé   x\nabc   y\n");
}

TEST_CASE("Table with no rows prints only its header", "[cli][output]") {
  Table t({"ID", "STATE"});
  CHECK(t.empty());
  CHECK(t.Render() == "ID   STATE\n");
}

TEST_CASE("Fields aligns values after the labels", "[cli][output]") {
  Fields f;
  f.Add("Name", "data").Add("Replication", "3").Add("Chains", "");
  CHECK(f.Render() == "Name:         data\nReplication:  3\nChains:\n");
}

TEST_CASE("ParseFormat knows table, json and yaml", "[cli][output]") {
  CHECK(*ParseFormat("table") == Format::kTable);
  CHECK(*ParseFormat("json") == Format::kJson);
  CHECK(*ParseFormat("yaml") == Format::kYaml);
  auto bad = ParseFormat("xml");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().err() == EINVAL);
  CHECK_THAT(bad.status().message(), Catch::Contains("'xml'"));
}

TEST_CASE("Printer emits the document for machines and the text for humans", "[cli][output]") {
  Value doc = Value::MakeObject().Set("name", "x");
  int human_calls = 0;
  auto human = [&] {
    ++human_calls;
    return std::string("volume 'x'\n");
  };
  std::ostringstream table, json, yaml;
  Printer(Format::kTable, table).Emit(doc, human);
  Printer(Format::kJson, json).Emit(doc, human);
  Printer(Format::kYaml, yaml).Emit(doc, human);
  CHECK(table.str() == "volume 'x'\n");
  CHECK(json.str() == "{\n  \"name\": \"x\"\n}\n");
  CHECK(yaml.str() == "name: x\n");
  CHECK(human_calls == 1);
}

}  // namespace
}  // namespace weft::cli
