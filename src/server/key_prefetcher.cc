#include "server/key_prefetcher.h"

#include <algorithm>

#include "base/hash.h"
#include "resp/parser.h"
#include "server/worker.h"
#include "store/database.h"

namespace ember::server {

void KeyPrefetcher::Start(Database& db, const CommandLookup& lookup, std::string_view data) {
  constexpr size_t kMaxArgs = 16;
  std::string_view args[kMaxArgs];
  size_t argc = 0;
  Begin(db);
  size_t len = resp::PeekRequest(data, args, kMaxArgs, &argc);
  for (size_t off = 0; len != 0 && n_ < kMaxKeys;) {
    if (const cmd::CommandSpec* spec = lookup.Find(args[0]))
      spec->ForEachKey(cmd::ArgList(args, std::min(argc, kMaxArgs)),
                       [&](std::string_view k) { Add(k); });
    off += len;
    len = resp::PeekRequest(data.substr(off), args, kMaxArgs, &argc);
  }
  Launch();
}

bool KeyPrefetcher::Add(std::string_view key) {
  if (n_ == kMaxKeys) return false;
  keys_[n_] = key;
  hashes_[n_] = HashKey(key);
  db_->PrefetchPartition(hashes_[n_++]);
  return true;
}

void KeyPrefetcher::Launch() {
  for (size_t i = 0; i < n_; ++i) db_->PrefetchSlot(hashes_[i]);
  for (size_t i = 0; i < n_; ++i) db_->PrefetchHead(hashes_[i]);
}

void KeyPrefetcher::AdvanceSlow() {
  // The first entry was asked for in Launch: if it holds another key, the lookup will go on
  // to the second.
  const size_t j = next_++ + kNextAhead;
  if (j < n_) db_->PrefetchNext(keys_[j], hashes_[j]);
}

}  // namespace ember::server
