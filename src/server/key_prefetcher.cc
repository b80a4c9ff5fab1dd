#include "server/key_prefetcher.h"

#include <algorithm>

#include "base/hash.h"
#include "resp/parser.h"
#include "server/worker.h"
#include "store/database.h"

namespace ember::server {

void KeyPrefetcher::Start(Database& db, const CommandLookup& lookup, std::string_view data) {
  Begin(db);
  lookup_ = &lookup;
  rest_ = data;
  Peek(kMaxKeys);
}

void KeyPrefetcher::Peek(size_t keys) {
  constexpr size_t kMaxArgs = 16;
  std::string_view args[kMaxArgs];
  size_t argc = 0;
  const size_t from = n_;
  while (n_ - from < keys) {
    const size_t len = resp::PeekRequest(rest_, args, kMaxArgs, &argc);
    if (len == 0) {  // the end, a request still arriving or an inline one: no further
      rest_ = {};
      break;
    }
    rest_.remove_prefix(len);
    ++requests_;
    if (const cmd::CommandSpec* spec = lookup_->Find(args[0]))
      spec->ForEachKey(cmd::ArgList(args, std::min(argc, kMaxArgs)),
                       [&](std::string_view k) { Push(k); });
  }
  Launch(from);
}

bool KeyPrefetcher::Add(std::string_view key) {
  if (n_ == kMaxKeys) return false;
  Push(key);
  return true;
}

void KeyPrefetcher::Push(std::string_view key) {
  const size_t i = n_++ % kRing;
  keys_[i] = key;
  hashes_[i] = HashKey(key);
  db_->PrefetchPartition(hashes_[i]);
}

void KeyPrefetcher::Launch(size_t from) {
  for (size_t i = from; i < n_; ++i) db_->PrefetchSlot(hashes_[i % kRing]);
  for (size_t i = from; i < n_; ++i) db_->PrefetchHead(hashes_[i % kRing]);
}

void KeyPrefetcher::AdvanceSlow(size_t j) {
  // The first entry was asked for in Launch: if it holds another key, the lookup will go on
  // to the second.
  db_->PrefetchNext(keys_[j % kRing], hashes_[j % kRing]);
}

}  // namespace ember::server
