#include "persist/aof_rewrite.h"

#include <string_view>

#include "base/strutil.h"
#include "persist/aof_propagate.h"
#include "persist/file.h"

namespace ember::persist {

void AppendEntryCommands(const Entry& e, std::string* out) {
  switch (e.type()) {
    case ValueType::kString: {
      std::string num;
      std::string_view value;
      if (e.encoding() == Encoding::kInt) {
        num = Int64ToString(e.int_value());
        value = num;
      } else {
        value = e.str_bytes();
      }
      if (e.has_expire()) {
        std::string at = Int64ToString(e.expire_ms());
        std::string_view args[] = {"SET", e.key(), value, "PXAT", at};
        AppendRespCommand(out, std::span<const std::string_view>(args));
      } else {
        std::string_view args[] = {"SET", e.key(), value};
        AppendRespCommand(out, std::span<const std::string_view>(args));
      }
      return;
    }
    default:
      // Ember holds no other type yet; a new type adds its case (e.g. RPUSH batches).
      return;
  }
}

std::string WriteAofBase(Keyspace& ks, const std::string& path, bool rdb_preamble,
                         const SnapshotOptions& opts, int64_t now_ms, AofBaseStats* stats) {
  FileSystem& fs = FileSystem::Default();
  if (rdb_preamble) {
    SnapshotOptions o = opts;
    o.aof_base = true;
    SnapshotStats st;
    std::string err = SaveSnapshot(ks, fs, path, o, now_ms, &st, path + ".part");
    if (err.empty() && stats) *stats = AofBaseStats{st.keys, st.bytes};
    return err;
  }
  std::unique_ptr<WritableFile> f;
  std::string err = fs.NewWritableFile(path, &f);
  if (!err.empty()) return err;
  AofBaseStats st;
  std::string buf;
  for (int i = 0; i < ks.num_dbs() && err.empty(); ++i) {
    Database& db = ks.db(i);
    bool selected = false;
    for (size_t p = 0; p < Database::kPartitions && err.empty(); ++p) {
      db.partition(p).table.ForEach([&](const Entry* e) {
        if (e->has_expire() && e->expire_ms() <= now_ms) return;
        if (!selected) {
          std::string n = Int64ToString(i);
          std::string_view select[] = {"SELECT", n};
          AppendRespCommand(&buf, std::span<const std::string_view>(select));
          selected = true;
        }
        AppendEntryCommands(*e, &buf);
        ++st.keys;
      });
      if (buf.size() >= (1u << 20)) {
        st.bytes += buf.size();
        err = f->Append(buf);
        buf.clear();
      }
    }
  }
  if (err.empty() && !buf.empty()) {
    st.bytes += buf.size();
    err = f->Append(buf);
  }
  if (err.empty()) err = f->Sync();
  std::string close_err = f->Close();
  if (err.empty()) err = close_err;
  if (err.empty() && stats) *stats = st;
  return err;
}

}  // namespace ember::persist
