#include "test/cli/weftctl_runner.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "test/fixture/cluster.h"

namespace weft::cli::test {

std::string CtlResult::Describe() const {
  return fmt::format("exit {} after {:.2f}s\n--- stdout ---\n{}--- stderr ---\n{}", code, seconds, out, err);
}

std::string WeftctlPath() { return weft::test::TestCluster::BinDir() + "/weftctl"; }

CtlResult RunCtl(const std::vector<std::string>& args, const CtlOptions& opts) {
  std::vector<std::string> argv = {WeftctlPath()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProgram(argv, opts);
}

CtlResult RunProgram(const std::vector<std::string>& args, const CtlOptions& opts) {
  int out_pipe[2], err_pipe[2], in_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0 || pipe2(in_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  auto start = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the test
    if (opts.input.empty()) {
      int devnull = open("/dev/null", O_RDONLY);
      dup2(devnull, STDIN_FILENO);
    } else {
      dup2(in_pipe[0], STDIN_FILENO);
    }
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    if (chdir(opts.cwd.c_str()) != 0) _exit(126);
    for (const char* v : {"WEFT_META", "WEFT_TOKEN", "XDG_CONFIG_HOME"}) unsetenv(v);
    setenv("HOME", "/nonexistent", 1);
    for (const auto& [k, v] : opts.env) setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  close(in_pipe[0]);
  // Small inputs fit the pipe's buffer: write them all, then close so the child sees end of input.
  if (!opts.input.empty() && write(in_pipe[1], opts.input.data(), opts.input.size()) < 0) {
    throw std::runtime_error("cannot write the child's input");
  }
  close(in_pipe[1]);
  CtlResult r;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  int open_fds = 2;
  bool killed = false;
  auto deadline = start + std::chrono::milliseconds(opts.kill_after_ms);
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      kill(pid, SIGKILL);
      killed = true;
      break;
    }
    int n = poll(fds, 2, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[4096];
      ssize_t got = read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        sinks[i]->append(buf, static_cast<size_t>(got));
      } else {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& f : fds) {
    if (f.fd >= 0) close(f.fd);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.code = !killed && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    close(fd);
    throw std::runtime_error("cannot bind a loopback port");
  }
  int port = ntohs(a.sin_port);
  close(fd);
  return port;
}

}  // namespace weft::cli::test
