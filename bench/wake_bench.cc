// weft-wake-bench: what one thread handing work to another costs on this machine, the unit every weft
// request pays several times (app -> FUSE -> weft-mount -> weft-meta or weft-chunk and back). Two
// threads bounce a byte over two pipes (a round trip = two wake-ups) in four placements:
//   - "unpinned":            the scheduler places both threads (what weft's processes get);
//   - "same CPU":            both pinned to CPU 0, so each wake-up is a switch on one CPU;
//   - "two CPUs":            pinned to CPUs 0 and 1, so each wake-up crosses CPUs;
//   - "two CPUs, one polls": as above, but the second thread polls its pipe instead of sleeping.
// For each: the median and 90th percentile round trip and the CPU time both threads spent per round trip.
// On a VM whose idle virtual CPUs halt, a wake-up that crosses CPUs must wake a halted one, which costs
// far more than a switch on one CPU (bench/README.md has the figures).
//
//   weft-wake-bench [--trips 20000]
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>
#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

void Pin(int cpu) {
  if (cpu < 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (int e = pthread_setaffinity_np(pthread_self(), sizeof set, &set); e != 0) {
    std::fprintf(stderr, "weft-wake-bench: pin to CPU %d: %s\n", cpu, std::strerror(e));
    std::exit(1);
  }
}

void ReadByte(int fd, bool poll) {
  char c;
  for (;;) {
    ssize_t r = read(fd, &c, 1);
    if (r == 1) return;
    if (r < 0 && (errno == EINTR || (poll && errno == EAGAIN))) continue;
    std::perror("read");
    std::exit(1);
  }
}

void WriteByte(int fd) {
  char c = 'x';
  while (write(fd, &c, 1) != 1) {
    if (errno != EINTR) {
      std::perror("write");
      std::exit(1);
    }
  }
}

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct Result {
  double p50_us, p90_us, cpu_us;
};

// The first thread sends and times; the second echoes. cpu_a/cpu_b: where each runs (-1 = anywhere).
Result Run(int trips, int cpu_a, int cpu_b, bool b_polls) {
  int ping[2], pong[2];
  if (pipe(ping) != 0 || pipe(pong) != 0) {
    std::perror("pipe");
    std::exit(1);
  }
  if (b_polls) fcntl(ping[0], F_SETFL, O_NONBLOCK);
  const int warmup = trips / 10;
  std::thread echo([&] {
    Pin(cpu_b);
    for (int i = 0; i < warmup + trips; ++i) {
      ReadByte(ping[0], b_polls);
      WriteByte(pong[1]);
    }
  });
  Pin(cpu_a);
  std::vector<double> rtt;
  rtt.reserve(trips);
  double cpu0 = 0;
  for (int i = 0; i < warmup + trips; ++i) {
    if (i == warmup) cpu0 = CpuSeconds();
    auto t = Clock::now();
    WriteByte(ping[1]);
    ReadByte(pong[0], false);
    if (i >= warmup) rtt.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t).count());
  }
  double cpu = CpuSeconds() - cpu0;
  echo.join();
  Pin(-1);
  for (int fd : {ping[0], ping[1], pong[0], pong[1]}) close(fd);
  std::sort(rtt.begin(), rtt.end());
  return {rtt[rtt.size() / 2], rtt[rtt.size() * 9 / 10], cpu * 1e6 / trips};
}

void Reset() {  // the main thread may run anywhere again
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int c = 0; c < CPU_SETSIZE; ++c) CPU_SET(c, &set);
  sched_setaffinity(0, sizeof set, &set);
}

}  // namespace

int main(int argc, char** argv) {
  int trips = 20000;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--trips" && i + 1 < argc) {
      trips = std::max(100, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr, "usage: weft-wake-bench [--trips N]\n");
      return 2;
    }
  }
  const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  std::printf("| placement | round trip p50 (us) | p90 (us) | CPU per round trip (us) |\n");
  std::printf("|---|---:|---:|---:|\n");
  auto row = [&](const char* name, int a, int b, bool poll) {
    Result r = Run(trips, a, b, poll);
    Reset();
    std::printf("| %s | %.1f | %.1f | %.1f |\n", name, r.p50_us, r.p90_us, r.cpu_us);
    std::fflush(stdout);
  };
  row("unpinned", -1, -1, false);
  row("same CPU", 0, 0, false);
  if (cpus >= 2) {
    row("two CPUs", 0, 1, false);
    row("two CPUs, one polls", 0, 1, true);
  } else {
    std::printf("(one CPU online: the two-CPU placements are skipped)\n");
  }
  std::printf("\n%d round trips each (two wake-ups per round trip, one byte over a pipe each way).\n", trips);
  return 0;
}
