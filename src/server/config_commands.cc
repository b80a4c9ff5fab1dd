// CONFIG GET/SET/RESETSTAT/REWRITE/HELP, and the side effects of runtime configuration
// changes (Server::InitConfigHooks, Server::RebindListeners).
#include <sys/resource.h>
#include <unistd.h>

#include <string>
#include <utility>
#include <vector>

#include "base/strutil.h"
#include "net/socket.h"
#include "server/admin_common.h"
#include "server/aof.h"
#include "server/log.h"
#include "server/session.h"

namespace ember::server {

using cmd::ArgList;
using cmd::CommandContext;

namespace {

// File descriptors kept free for listeners, log and data files beyond one per client.
constexpr int64_t kReservedFds = 32;

// Raises RLIMIT_NOFILE so that `clients` connections fit; returns the largest client count
// the limit allows (== clients on success).
int64_t FitOpenFilesLimit(int64_t clients) {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return clients;
  rlim_t want = static_cast<rlim_t>(clients + kReservedFds);
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
    rlimit nl = rl;
    nl.rlim_cur = (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want) ? want : rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &nl) == 0) rl = nl;
  }
  if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want) return clients;
  return std::max<int64_t>(1, static_cast<int64_t>(rl.rlim_cur) - kReservedFds);
}

void ConfigGet(ArgList args, CommandContext& ctx) {
  std::vector<std::string> patterns(args.begin() + 2, args.end());
  auto found = ServerOf(ctx).config().GetMatching(patterns);
  ctx.reply->MapHeader(found.size());
  for (const auto& [name, value] : found) {
    ctx.reply->Bulk(name);
    ctx.reply->Bulk(value);
  }
}

void ConfigSet(ArgList args, CommandContext& ctx) {
  if (args.size() % 2 != 0) return ctx.Error(OpStatus::kSyntax);
  std::vector<std::pair<std::string, std::string>> pairs;
  for (size_t i = 2; i + 1 < args.size(); i += 2)
    pairs.emplace_back(std::string(args[i]), std::string(args[i + 1]));
  std::string err = ServerOf(ctx).config().SetFromCommand(pairs, IsLocalClient(Session(ctx)));
  if (!err.empty()) return ctx.Error("ERR " + err);
  ctx.reply->Ok();
}

void ConfigResetStat(ArgList, CommandContext& ctx) {
  ServerOf(ctx).ResetStats();
  ctx.reply->Ok();
}

void ConfigRewrite(ArgList, CommandContext& ctx) {
  std::string err = ServerOf(ctx).config().Rewrite();
  if (!err.empty()) {
    LogWarning("CONFIG REWRITE failed: " + err);
    return ctx.Error("ERR " + err);
  }
  LogNotice("CONFIG REWRITE executed with success.");
  ctx.reply->Ok();
}

void ConfigHelp(ArgList, CommandContext& ctx) {
  ReplyHelp(ctx, "CONFIG",
            {"GET <pattern> [<pattern> ...]",
             "    Return the parameters matching the glob-like patterns and their values.",
             "SET <directive> <value> [<directive> <value> ...]",
             "    Set the configuration directives (all of them, or none on error).", "RESETSTAT",
             "    Reset the statistics reported by the INFO command.", "REWRITE",
             "    Rewrite the configuration file with the current configuration."});
}

}  // namespace

std::string Server::ProbeListenAddresses(int port) {
  // Our listeners use SO_REUSEPORT, which lets another process of the same user bind the same
  // port silently; a socket without it fails if anything holds the port.
  for (const auto& a0 : config_->bind()) {
    bool optional = !a0.empty() && a0[0] == '-';
    std::string a = optional ? a0.substr(1) : a0;
    std::string err;
    int fd = net::ListenTcp(a, port, 1, /*reuse_port=*/false, &err);
    if (fd >= 0) {
      close(fd);
    } else if (!optional) {
      return "Could not create server TCP listening socket " + a + ":" + std::to_string(port) +
             ": " + err;
    }
  }
  return "";
}

std::string Server::RebindListeners() {
  int port = static_cast<int>(config_->port.load());
  std::vector<std::string> addrs = config_->bind();
  int backlog = static_cast<int>(config_->tcp_backlog.load());
  // Our own listeners hold the current port: probe only a new one.
  if (port != 0 && (tcp_ports_bound.empty() || tcp_ports_bound[0] != port)) {
    std::string err = ProbeListenAddresses(port);
    if (!err.empty()) {
      LogWarning(err);
      return err;
    }
  }
  // Port 0 or no address: the server stops listening for TCP, as Redis does.
  std::shared_ptr<ListenerSet> set = std::make_shared<ListenerSet>();
  if (port != 0) {
    std::string err;
    set = OpenListeners(port, &err);
    if (!set) {
      LogWarning(err);
      return err;
    }
  }
  (void)addrs;
  (void)backlog;
  tcp_ports_bound.clear();
  if (port != 0 && !set->fds.empty()) tcp_ports_bound.push_back(port);
  for (auto& w : workers_) w->ReplaceListeners(set);
  return "";
}

void Server::InitConfigHooks() {
  Config& c = *config_;
  c.SetApplyHook("appendonly", [this] { return aof().ApplyAppendOnly(); });
  for (const char* name : {"stop-writes-on-bgsave-error", "save"}) {
    c.SetApplyHook(name, [this] {
      UpdateDiskError();  // at once, not at the next cron tick
      return std::string();
    });
  }
  c.SetApplyHook("appendfsync", [this] { return aof().ApplyFsync(); });
  c.SetApplyHook("loglevel", [&c] {
    LogSetLevel(static_cast<int>(c.loglevel.load()));
    return std::string();
  });
  c.SetApplyHook("port", [this] {
    if (RebindListeners().empty()) return std::string();
    return std::string("Unable to listen on this port. Check server logs.");
  });
  c.SetApplyHook("bind", [this] {
    if (RebindListeners().empty()) return std::string();
    return std::string("Failed to bind to specified addresses.");
  });
  c.SetApplyHook("maxclients", [&c] {
    int64_t want = c.maxclients.load();
    int64_t fit = FitOpenFilesLimit(want);
    if (fit >= want) return std::string();
    return "The operating system is not able to handle the specified number of clients, try "
           "with " +
           std::to_string(fit);
  });
  // How key accesses are recorded follows the eviction policy and the LFU parameters.
  AccessPolicy& policy = keyspace_->access_policy();
  auto apply_policy = [this, &c, &policy] {
    policy.lfu.store(lfu_policy());
    policy.lfu_log_factor.store(static_cast<int>(c.GetInt("lfu-log-factor")));
    policy.lfu_decay_time.store(static_cast<int>(c.GetInt("lfu-decay-time")));
    return std::string();
  };
  c.SetApplyHook("maxmemory-policy", apply_policy);
  c.SetApplyHook("lfu-log-factor", apply_policy);
  c.SetApplyHook("lfu-decay-time", apply_policy);
  apply_policy();

  // Start-up: like Redis, lower maxclients when the open files limit cannot be raised.
  int64_t want = c.maxclients.load();
  int64_t fit = FitOpenFilesLimit(want);
  if (fit < want) {
    c.maxclients.store(fit);
    LogWarning("You requested maxclients of " + std::to_string(want) + " requiring at least " +
               std::to_string(want + kReservedFds) +
               " max file descriptors; maxclients has been reduced to " + std::to_string(fit) +
               " to fit the open files limit.");
  }
  used_memory_startup = 0;
  SampleInstantMetrics();
  used_memory_startup = used_memory_peak.load();
}

void RegisterConfigCommands(cmd::CommandTable& t) {
  using namespace cmd;  // NOLINT: flag names
  const uint32_t kAdminFlags = kAdmin | kNoScript | kLoading | kStale | kNoLock;
  CommandSpec config{.name = "config",
                     .arity = -2,
                     .flags = kNoLock,
                     .summary = "A container for server configuration commands",
                     .syntax = "subcommand [argument ...]",
                     .group = "server",
                     .since = "2.0.0",
                     .complexity = "Depends on subcommand.",
                     .acl_categories = "@slow"};
  config.subcommands = {
      {.name = "config|get",
       .arity = -3,
       .flags = kAdminFlags,
       .summary = "Get the values of configuration parameters",
       .syntax = "parameter [parameter ...]",
       .group = "server",
       .since = "2.0.0",
       .complexity = "O(N) when N is the number of configuration parameters provided",
       .acl_categories = "@admin @slow @dangerous",
       .handler = ConfigGet},
      {.name = "config|set",
       .arity = -4,
       .flags = kAdminFlags,
       .summary = "Set configuration parameters to the given values",
       .syntax = "parameter value [parameter value ...]",
       .group = "server",
       .since = "2.0.0",
       .complexity = "O(N) when N is the number of configuration parameters provided",
       .acl_categories = "@admin @slow @dangerous",
       .handler = ConfigSet},
      {.name = "config|resetstat",
       .arity = 2,
       .flags = kAdminFlags,
       .summary = "Reset the stats returned by INFO",
       .syntax = "",
       .group = "server",
       .since = "2.0.0",
       .complexity = "O(1)",
       .acl_categories = "@admin @slow @dangerous",
       .handler = ConfigResetStat},
      {.name = "config|rewrite",
       .arity = 2,
       .flags = kAdminFlags,
       .summary = "Rewrite the configuration file with the in memory configuration",
       .syntax = "",
       .group = "server",
       .since = "2.8.0",
       .complexity = "O(1)",
       .acl_categories = "@admin @slow @dangerous",
       .handler = ConfigRewrite},
      {.name = "config|help",
       .arity = 2,
       .flags = kLoading | kStale | kNoLock,
       .summary = "Show helpful text about the different subcommands",
       .syntax = "",
       .group = "server",
       .since = "5.0.0",
       .complexity = "O(1)",
       .acl_categories = "@slow",
       .handler = ConfigHelp},
  };
  t.Add(std::move(config));
}

}  // namespace ember::server
