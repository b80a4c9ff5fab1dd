// INFO: the text of every section, from live process and server state. Every field printed
// is measured; fields of Redis features Ember does not have yet are left out rather than
// faked (except where the true value is the constant, e.g. loading:0 with no persistence).
#include <malloc.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "base/strutil.h"
#include "base/version.h"
#include "server/aof.h"
#include "server/server.h"
#include "server/worker.h"
#include "store/key_table.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define EMBER_SANITIZER_ALLOCATOR 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define EMBER_SANITIZER_ALLOCATOR 1
#endif
#endif
#ifdef EMBER_SANITIZER_ALLOCATOR
// From the sanitizer runtime (its header is not installed with every compiler).
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#endif
// From mimalloc, when the binary is linked with it (ember-server); weak, so the same code
// serves binaries on glibc's malloc (libember, ember-cli).
extern "C" void mi_process_info(size_t* elapsed_msecs, size_t* user_msecs, size_t* system_msecs,
                                size_t* current_rss, size_t* peak_rss, size_t* current_commit,
                                size_t* peak_commit, size_t* page_faults) __attribute__((weak));
// From jemalloc, when the binary is linked with it (ember-server's default).
extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen)
    __attribute__((weak));

namespace ember::server {

namespace {

// Bytes handed out by the allocator and not yet freed (mimalloc keeps no such count without
// its statistics build: the memory it committed and touched is the closest figure).
uint64_t AllocatorBytes() {
#ifdef EMBER_SANITIZER_ALLOCATOR
  return __sanitizer_get_current_allocated_bytes();
#else
  if (mallctl != nullptr) {
    uint64_t epoch = 1;  // refreshes jemalloc's statistics
    size_t len = sizeof(epoch);
    mallctl("epoch", &epoch, &len, &epoch, len);
    size_t allocated = 0;
    len = sizeof(allocated);
    if (mallctl("stats.allocated", &allocated, &len, nullptr, 0) == 0) return allocated;
  }
  if (mi_process_info != nullptr) {
    size_t elapsed, user, sys, rss, peak_rss, commit, peak_commit, faults;
    mi_process_info(&elapsed, &user, &sys, &rss, &peak_rss, &commit, &peak_commit, &faults);
    // Committed memory includes what mimalloc reserved and never touched: bounded by RSS.
    return std::min(commit, rss);
  }
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
#endif
}

}  // namespace

// The allocator's bytes and the large key-table bucket arrays, which are mapped directly.
uint64_t AllocatedBytes() { return AllocatorBytes() + KeyTable::MappedBytes(); }

std::string AllocatorName() {
#ifdef EMBER_SANITIZER_ALLOCATOR
  return "sanitizer";
#else
  if (mallctl != nullptr) {
    const char* version = nullptr;
    size_t len = sizeof(version);
    if (mallctl("version", &version, &len, nullptr, 0) == 0 && version != nullptr) {
      std::string v(version);  // "5.3.0-0-g54eaed1d8b56b1aa528be3bdd1877e59c56fa90c"
      return "jemalloc-" + v.substr(0, v.find('-'));
    }
    return "jemalloc";
  }
  return mi_process_info != nullptr ? "mimalloc" : "libc";
#endif
}

uint64_t RssBytes() {
  std::ifstream in("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  if (!(in >> size >> resident)) return 0;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

namespace {

uint64_t TotalSystemMemory() {
  struct sysinfo si;
  if (sysinfo(&si) != 0) return 0;
  return static_cast<uint64_t>(si.totalram) * si.mem_unit;
}

// Redis's human form: 1023B, 1.00K, 12.50M, ...
std::string HumanBytes(uint64_t n) {
  static const char kUnits[] = "KMGTPE";
  if (n < 1024) return std::to_string(n) + "B";
  double v = static_cast<double>(n);
  for (int i = 0; kUnits[i]; ++i) {
    v /= 1024;
    if (v < 1024 || kUnits[i + 1] == '\0') {
      char buf[64];
      snprintf(buf, sizeof(buf), "%.2f%c", v, kUnits[i]);
      return buf;
    }
  }
  return std::to_string(n) + "B";
}

std::string Seconds(const timeval& tv) {
  char buf[64];
  snprintf(buf, sizeof(buf), "%ld.%06ld", static_cast<long>(tv.tv_sec),
           static_cast<long>(tv.tv_usec));
  return buf;
}

std::string Fixed2(double v) {
  char buf[64];
  snprintf(buf, sizeof(buf), "%.2f", v);
  return buf;
}

std::string Executable() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

std::string CompilerVersion() {
#if defined(__clang__)
  return std::to_string(__clang_major__) + "." + std::to_string(__clang_minor__) + "." +
         std::to_string(__clang_patchlevel__);
#elif defined(__GNUC__)
  return std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
         std::to_string(__GNUC_PATCHLEVEL__);
#else
  return "0.0.0";
#endif
}

// Lines of one section, each "name:value\r\n".
class Section {
 public:
  void Add(std::string_view name, std::string_view value) {
    text_.append(name);
    text_ += ':';
    text_.append(value);
    text_ += "\r\n";
  }
  void Add(std::string_view name, int64_t v) { Add(name, std::to_string(v)); }
  void Add(std::string_view name, uint64_t v) { Add(name, std::to_string(v)); }
  void Add(std::string_view name, int v) { Add(name, std::to_string(v)); }
  std::string& text() { return text_; }

 private:
  std::string text_;
};

enum SectionId {
  kServer,
  kClients,
  kMemory,
  kPersistence,
  kStats,
  kReplication,
  kCpu,
  kModules,
  kCommandstats,
  kErrorstats,
  kCluster,
  kKeyspace,
  kNumSections
};
constexpr const char* kSectionNames[kNumSections] = {
    "Server", "Clients", "Memory",       "Persistence", "Stats",   "Replication",
    "CPU",    "Modules", "Commandstats", "Errorstats",  "Cluster", "Keyspace"};

}  // namespace

void InstantMetric::Sample(int64_t now_us, uint64_t value) {
  if (last_time_us != 0 && now_us > last_time_us) {
    double delta = static_cast<double>(value >= last_value ? value - last_value : 0);
    samples[idx] = delta * 1e6 / static_cast<double>(now_us - last_time_us);
    idx = (idx + 1) % kSamples;
  }
  last_time_us = now_us;
  last_value = value;
}

double InstantMetric::Average() const {
  double sum = 0;
  for (double s : samples) sum += s;
  return sum / kSamples;
}

void Server::SampleInstantMetrics() {
  int64_t now = MonotonicUs();
  uint64_t ops = 0, in = 0, out = 0;
  for (const auto& w : workers_) {
    for (const auto& st : w->cmd_stats) ops += st.calls.Get();
    in += w->net_input.Get();
    out += w->net_output.Get();
  }
  uint64_t used = AllocatedBytes();
  if (used > used_memory_peak.load()) used_memory_peak.store(used);
  std::lock_guard lk(metrics_mu_);
  // Like Redis: one sample per 100 ms whatever hz is.
  if (now - ops_metric_.last_time_us < 100'000 && ops_metric_.last_time_us != 0) return;
  ops_metric_.Sample(now, ops);
  net_in_metric_.Sample(now, in);
  net_out_metric_.Sample(now, out);
}

void Server::CountErrorReply(std::string_view error) {
  error_replies.fetch_add(1, std::memory_order_relaxed);
  if (!error.empty() && error[0] == '-') error.remove_prefix(1);
  // The error code is the first word (Redis looks within the first 32 bytes).
  size_t sp = error.substr(0, 32).find(' ');
  std::string_view code =
      sp == std::string_view::npos ? std::string_view("ERR") : error.substr(0, sp);
  std::lock_guard lk(errorstats_mu_);
  if (errorstats_overflow_) return;
  auto it = errorstats_.find(code);
  if (it != errorstats_.end()) {
    ++it->second;
  } else if (errorstats_.size() >= kMaxErrorCodes) {
    // Like Redis: too many distinct codes (probably a client sending garbage) disables the
    // table until the next CONFIG RESETSTAT.
    errorstats_overflow_ = true;
    errorstats_.clear();
  } else {
    errorstats_.emplace(std::string(code), 1);
  }
}

void Server::ResetErrorStats() {
  std::lock_guard lk(errorstats_mu_);
  errorstats_.clear();
  errorstats_overflow_ = false;
}

std::string Server::InfoText(const std::vector<std::string>& sections) {
  bool want[kNumSections] = {};
  if (sections.empty()) {
    for (int i = 0; i < kNumSections; ++i) want[i] = i != kCommandstats;
  }
  for (const auto& s : sections) {
    if (EqualsIgnoreCase(s, "all") || EqualsIgnoreCase(s, "everything")) {
      for (bool& w : want) w = true;
    } else if (EqualsIgnoreCase(s, "default")) {
      for (int i = 0; i < kNumSections; ++i) want[i] = want[i] || i != kCommandstats;
    } else {
      for (int i = 0; i < kNumSections; ++i)
        if (EqualsIgnoreCase(s, kSectionNames[i])) want[i] = true;
    }
  }

  const int64_t now_us = clock_->NowUs();
  Config& cfg = *config_;
  std::string out;
  for (int id = 0; id < kNumSections; ++id) {
    if (!want[id]) continue;
    Section s;
    switch (id) {
      case kServer: {
        utsname un{};
        uname(&un);
        int64_t uptime = (now_us - start_us_) / 1'000'000;
        s.Add("redis_version", EMBER_REDIS_COMPAT_VERSION);
        s.Add("ember_version", EMBER_VERSION);
        s.Add("redis_mode", "standalone");
        s.Add("os", std::string(un.sysname) + " " + un.release + " " + un.machine);
        s.Add("arch_bits", static_cast<int>(sizeof(void*) * 8));
        s.Add("monotonic_clock", "POSIX clock_gettime");
        s.Add("multiplexing_api", "epoll");
        s.Add("gcc_version", CompilerVersion());
        s.Add("process_id", static_cast<int64_t>(getpid()));
        s.Add("process_supervised", "no");
        s.Add("run_id", run_id_);
        s.Add("tcp_port", cfg.port.load());
        s.Add("server_time_usec", now_us);
        s.Add("uptime_in_seconds", uptime);
        s.Add("uptime_in_days", uptime / 86400);
        s.Add("hz", cfg.hz.load());
        s.Add("configured_hz", cfg.hz.load());
        s.Add("lru_clock", static_cast<int64_t>(LruClock(now_us / 1000)));
        s.Add("executable", Executable());
        s.Add("config_file", cfg.config_file());
        s.Add("threads", static_cast<int64_t>(workers_.size()));
        break;
      }
      case kClients:
        s.Add("connected_clients", static_cast<uint64_t>(client_count()));
        s.Add("cluster_connections", 0);
        s.Add("maxclients", cfg.maxclients.load());
        s.Add("blocked_clients", blocked_clients.load());
        break;
      case kMemory: {
        uint64_t used = AllocatedBytes();
        if (used > used_memory_peak.load()) used_memory_peak.store(used);
        uint64_t peak = used_memory_peak.load();
        uint64_t rss = RssBytes();
        uint64_t total = TotalSystemMemory();
        uint64_t maxmem = static_cast<uint64_t>(cfg.maxmemory.load());
        s.Add("used_memory", used);
        s.Add("used_memory_human", HumanBytes(used));
        s.Add("used_memory_rss", rss);
        s.Add("used_memory_rss_human", HumanBytes(rss));
        s.Add("used_memory_peak", peak);
        s.Add("used_memory_peak_human", HumanBytes(peak));
        s.Add(
            "used_memory_peak_perc",
            Fixed2(peak ? 100.0 * static_cast<double>(used) / static_cast<double>(peak) : 0) + "%");
        s.Add("used_memory_startup", used_memory_startup);
        s.Add("total_system_memory", total);
        s.Add("total_system_memory_human", HumanBytes(total));
        s.Add("maxmemory", maxmem);
        s.Add("maxmemory_human", HumanBytes(maxmem));
        s.Add("maxmemory_policy", cfg.maxmemory_policy());
        s.Add("mem_fragmentation_ratio",
              Fixed2(used ? static_cast<double>(rss) / static_cast<double>(used) : 0));
        s.Add("mem_fragmentation_bytes", static_cast<int64_t>(rss) - static_cast<int64_t>(used));
        s.Add("mem_allocator", AllocatorName());
        break;
      }
      case kPersistence:
        // Loading happens before clients connect, so nothing is ever loading.
        s.Add("loading", 0);
        s.Add("async_loading", 0);
        s.Add("rdb_changes_since_last_save", dirty.load());
        s.Add("rdb_bgsave_in_progress", bgsave_in_progress() ? 1 : 0);
        s.Add("rdb_last_save_time", lastsave_s.load());
        s.Add("rdb_last_bgsave_status", rdb_last_save_ok.load() ? "ok" : "err");
        s.Add("rdb_last_bgsave_time_sec", rdb_last_bgsave_time_s.load());
        s.Add("rdb_current_bgsave_time_sec",
              bgsave_in_progress() ? (clock_->NowMs() - bgsave_start_ms.load()) / 1000 : -1);
        s.Add("rdb_saves", rdb_saves.load());
        s.Add("rdb_last_cow_size", 0);
        s.Add("rdb_last_load_keys_expired", rdb_last_load_keys_expired.load());
        s.Add("rdb_last_load_keys_loaded", rdb_last_load_keys.load());
        for (const auto& [k, v] : aof_->InfoFields()) s.Add(k, v);
        break;
      case kStats: {
        uint64_t cmds = 0, in = 0, out_bytes = 0, hits = 0, misses = 0, expired = 0, reads = 0,
                 writes = 0;
        for (const auto& w : workers_) {
          for (const auto& st : w->cmd_stats) cmds += st.calls.Get();
          in += w->net_input.Get();
          out_bytes += w->net_output.Get();
          reads += w->reads_processed.Get();
          writes += w->writes_processed.Get();
          hits += w->counters.keyspace_hits.load(std::memory_order_relaxed);
          misses += w->counters.keyspace_misses.load(std::memory_order_relaxed);
        }
        for (int i = 0; i < keyspace_->num_dbs(); ++i) expired += keyspace_->db(i).expired_keys;
        double ops, kin, kout;
        {
          std::lock_guard lk(metrics_mu_);
          ops = ops_metric_.Average();
          kin = net_in_metric_.Average() / 1024;
          kout = net_out_metric_.Average() / 1024;
        }
        s.Add("total_connections_received", total_connections.load());
        s.Add("total_commands_processed", cmds);
        s.Add("instantaneous_ops_per_sec", static_cast<int64_t>(ops + 0.5));
        s.Add("total_net_input_bytes", in);
        s.Add("total_net_output_bytes", out_bytes);
        s.Add("total_net_repl_input_bytes", 0);  // no replication yet
        s.Add("total_net_repl_output_bytes", 0);
        s.Add("instantaneous_input_kbps", Fixed2(kin));
        s.Add("instantaneous_output_kbps", Fixed2(kout));
        s.Add("instantaneous_input_repl_kbps", "0.00");
        s.Add("instantaneous_output_repl_kbps", "0.00");
        s.Add("rejected_connections", rejected_connections.load());
        s.Add("sync_full", 0);
        s.Add("sync_partial_ok", 0);
        s.Add("sync_partial_err", 0);
        s.Add("expired_keys", expired);
        s.Add("expire_cycle_cpu_milliseconds", expire_cycle_cpu_ms.load());
        // No eviction yet: nothing is ever evicted, no client either.
        s.Add("evicted_keys", 0);
        s.Add("evicted_clients", 0);
        s.Add("total_eviction_exceeded_time", 0);
        s.Add("current_eviction_exceeded_time", 0);
        s.Add("keyspace_hits", hits);
        s.Add("keyspace_misses", misses);
        s.Add("pubsub_channels", 0);  // no pub/sub yet
        s.Add("pubsub_patterns", 0);
        s.Add("pubsubshard_channels", 0);
        s.Add("latest_fork_usec", latest_fork_usec.load());
        s.Add("total_forks", total_forks.load());
        s.Add("migrate_cached_sockets", 0);  // no MIGRATE
        s.Add("slave_expires_tracked_keys", 0);
        for (const char* f :
             {"active_defrag_hits", "active_defrag_misses", "active_defrag_key_hits",
              "active_defrag_key_misses", "total_active_defrag_time", "current_active_defrag_time"})
          s.Add(f, 0);  // no active defragmentation
        for (const char* f :
             {"tracking_total_keys", "tracking_total_items", "tracking_total_prefixes"})
          s.Add(f, 0);  // no client-side caching
        s.Add("unexpected_error_replies", 0);
        s.Add("total_error_replies", error_replies.load());
        s.Add("dump_payload_sanitizations", 0);
        s.Add("total_reads_processed", reads);
        s.Add("total_writes_processed", writes);
        s.Add("io_threaded_reads_processed", 0);  // one thread reads, parses and runs a client
        s.Add("io_threaded_writes_processed", 0);
        break;
      }
      case kReplication:
        // No replication yet: a master without replicas and an empty replication stream.
        s.Add("role", "master");
        s.Add("connected_slaves", 0);
        s.Add("master_failover_state", "no-failover");
        s.Add("master_replid", replid());
        s.Add("master_replid2", std::string(40, '0'));
        s.Add("master_repl_offset", 0);
        s.Add("second_repl_offset", -1);
        s.Add("repl_backlog_active", 0);
        s.Add("repl_backlog_first_byte_offset", 0);
        s.Add("repl_backlog_histlen", 0);
        break;
      case kCpu: {
        rusage self{}, children{}, thread{};
        getrusage(RUSAGE_SELF, &self);
        getrusage(RUSAGE_CHILDREN, &children);
        // Redis's "main thread" is the one running commands; here it is the worker thread
        // serving this INFO.
        getrusage(RUSAGE_THREAD, &thread);
        s.Add("used_cpu_sys", Seconds(self.ru_stime));
        s.Add("used_cpu_user", Seconds(self.ru_utime));
        s.Add("used_cpu_sys_children", Seconds(children.ru_stime));
        s.Add("used_cpu_user_children", Seconds(children.ru_utime));
        s.Add("used_cpu_sys_main_thread", Seconds(thread.ru_stime));
        s.Add("used_cpu_user_main_thread", Seconds(thread.ru_utime));
        break;
      }
      case kModules:
        break;  // no modules
      case kCommandstats: {
        const auto& specs = table_.by_id();
        for (size_t i = 0; i < specs.size(); ++i) {
          uint64_t calls = 0, usec = 0, rejected = 0, failed = 0;
          for (const auto& w : workers_) {
            if (i >= w->cmd_stats.size()) continue;
            const CommandStat& st = w->cmd_stats[i];
            calls += st.calls.Get();
            usec += st.usec.Get();
            rejected += st.rejected.Get();
            failed += st.failed.Get();
          }
          if (calls == 0 && rejected == 0 && failed == 0) continue;
          s.Add("cmdstat_" + specs[i]->name,
                "calls=" + std::to_string(calls) + ",usec=" + std::to_string(usec) +
                    ",usec_per_call=" +
                    Fixed2(calls ? static_cast<double>(usec) / static_cast<double>(calls) : 0) +
                    ",rejected_calls=" + std::to_string(rejected) +
                    ",failed_calls=" + std::to_string(failed));
        }
        break;
      }
      case kErrorstats: {
        std::lock_guard lk(errorstats_mu_);
        for (const auto& [code, count] : errorstats_)
          s.Add("errorstat_" + code, "count=" + std::to_string(count));
        break;
      }
      case kCluster:
        s.Add("cluster_enabled", 0);
        break;
      case kKeyspace:
        for (int i = 0; i < keyspace_->num_dbs(); ++i) {
          Database& db = keyspace_->db(i);
          size_t keys = db.Size();
          if (keys == 0) continue;
          s.Add("db" + std::to_string(i), "keys=" + std::to_string(keys) +
                                              ",expires=" + std::to_string(db.VolatileSize()) +
                                              ",avg_ttl=" + std::to_string(db.avg_ttl_ms.load()));
        }
        break;
    }
    if (!out.empty()) out += "\r\n";
    out += "# ";
    out += kSectionNames[id];
    out += "\r\n";
    out += s.text();
  }
  return out;
}

}  // namespace ember::server
