// BenchFs over libweft: the same calls weft-mount makes, without the kernel in between, as the root
// caller. Directory handles are inode ids.
#include <fcntl.h>
#include <sys/stat.h>

#include "bench/weft_bench/bench_fs.h"
#include "weft/client.h"

namespace weft::bench {
namespace {

FileHandle* Fh(const File& f) { return static_cast<FileHandle*>(f.handle); }

class LibFs final : public BenchFs {
 public:
  LibFs(std::shared_ptr<Client> client, std::string path)
      : client_(std::move(client)), path_(std::move(path)), caller_(RootCaller()) {}

  StatusOr<Dir> Root() override {
    auto a = client_->ResolvePath(caller_, path_);
    if (!a.ok()) return a.status().Annotate("resolve " + path_);
    if (!S_ISDIR(a->mode())) return Err(ENOTDIR, "{} is not a directory", path_);
    return Dir{.ino = a->ino()};
  }

  StatusOr<Dir> MakeDir(const Dir& parent, const std::string& name, bool) override {
    auto a = client_->Mkdir(caller_, parent.ino, name, 0755, 0);
    if (!a.ok()) return a.status().Annotate("mkdir " + name);
    return Dir{.ino = a->ino()};
  }

  StatusOr<Dir> OpenDir(const Dir& parent, const std::string& name) override {
    auto a = client_->Lookup(caller_, parent.ino, name);
    if (!a.ok()) return a.status().Annotate("lookup " + name);
    return Dir{.ino = a->ino()};
  }

  void CloseDir(Dir& dir) override { dir.ino = 0; }

  Status RemoveDir(const Dir& parent, const std::string& name) override {
    return client_->Rmdir(caller_, parent.ino, name).Annotate("rmdir " + name);
  }

  StatusOr<File> Open(const Dir& parent, const std::string& name, OpenMode mode) override {
    if (mode == OpenMode::kCreateWrite) {
      auto r = client_->Create(caller_, parent.ino, name, S_IFREG | 0644, 0, O_WRONLY | O_TRUNC, false, true);
      if (!r.ok()) return r.status().Annotate("create " + name);
      return File{.handle = r->handle};
    }
    auto a = client_->Lookup(caller_, parent.ino, name);
    if (!a.ok()) return a.status().Annotate("lookup " + name);
    auto h = client_->Open(caller_, a->ino(), mode == OpenMode::kRead ? O_RDONLY : O_RDWR);
    if (!h.ok()) return h.status().Annotate("open " + name);
    return File{.handle = *h};
  }

  Status Write(File& f, uint64_t off, const char* buf, size_t n) override {
    return client_->Write(Fh(f), off, buf, n);
  }

  StatusOr<size_t> Read(File& f, uint64_t off, char* buf, size_t n) override {
    size_t done = 0;
    while (done < n) {
      auto r = client_->Read(Fh(f), off + done, n - done, buf + done);
      if (!r.ok()) return r.status();
      if (*r == 0) break;
      done += *r;
    }
    return done;
  }

  Status Fsync(File& f) override { return client_->Fsync(Fh(f)); }

  Status Close(File& f) override {
    Status s = client_->Close(Fh(f));
    f.handle = nullptr;
    return s;
  }

  Status CreateEmpty(const Dir& parent, const std::string& name) override {
    // As a FUSE create does: create and open, then release.
    auto r = client_->Create(caller_, parent.ino, name, S_IFREG | 0644, 0, O_WRONLY, false, true);
    if (!r.ok()) return r.status().Annotate("create " + name);
    return client_->Close(r->handle).Annotate("close " + name);
  }

  StatusOr<uint64_t> Stat(const Dir& parent, const std::string& name) override {
    auto a = client_->Lookup(caller_, parent.ino, name);
    if (!a.ok()) return a.status().Annotate("lookup " + name);
    return a->size();
  }

  StatusOr<size_t> List(const Dir& dir) override {
    size_t n = 0;
    std::string cookie;
    for (;;) {
      auto page = client_->ReadDir(caller_, dir.ino, cookie, 1024, false);
      if (!page.ok()) return page.status().Annotate("readdir");
      for (const auto& e : page->entries) {
        if (e.name() != "." && e.name() != "..") ++n;
      }
      if (page->eof || page->next_cookie.empty()) break;
      cookie = page->next_cookie;
    }
    return n;
  }

  Status Rename(const Dir& from, const std::string& name, const Dir& to, const std::string& new_name) override {
    return client_->Rename(caller_, from.ino, name, to.ino, new_name, 0).status().Annotate("rename " + name);
  }

  Status Unlink(const Dir& parent, const std::string& name) override {
    return client_->Unlink(caller_, parent.ino, name).status().Annotate("unlink " + name);
  }

 private:
  const std::shared_ptr<Client> client_;
  const std::string path_;
  const Caller caller_;
};

StatusOr<std::shared_ptr<Client>> ConnectClient(const CommonOptions& opts) {
  ClientOptions co;
  co.meta_address = opts.meta_address;
  co.volume = opts.volume;
  co.token = opts.token;
  co.client_name = "weft-bench";
  co.io_threads = opts.io_threads;
  if (opts.attr_cache_ms >= 0) co.attr_cache_ms = static_cast<uint32_t>(opts.attr_cache_ms);
  auto c = Client::Connect(co);
  if (!c.ok()) return c.status().Annotate("connect to " + opts.meta_address + " volume " + opts.volume);
  return std::shared_ptr<Client>(std::move(*c));
}

}  // namespace

StatusOr<std::unique_ptr<BenchFs>> NewLibFs(const CommonOptions& opts) {
  auto c = ConnectClient(opts);
  if (!c.ok()) return c.status();
  return std::unique_ptr<BenchFs>(std::make_unique<LibFs>(std::move(*c), opts.lib_path));
}

StatusOr<std::vector<std::shared_ptr<BenchFs>>> MakeClients(const CommonOptions& opts, int count) {
  std::vector<std::shared_ptr<BenchFs>> out;
  if (opts.via == Via::kMount) {
    std::shared_ptr<BenchFs> fs = NewPosixFs(opts.dir, opts.direct);
    out.assign(static_cast<size_t>(count), fs);
    return out;
  }
  std::shared_ptr<BenchFs> shared;
  for (int i = 0; i < count; ++i) {
    if (!shared || !opts.shared_client) {
      auto fs = NewLibFs(opts);
      if (!fs.ok()) return fs.status();
      shared = std::move(*fs);
    }
    out.push_back(shared);
  }
  return out;
}

}  // namespace weft::bench
