#include "persist/aof_rewrite.h"

#include <string_view>

#include "base/strutil.h"
#include "persist/aof_propagate.h"

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

}  // namespace ember::persist
