// CRC-64 as Redis uses it for RDB trailers: the "Jones" polynomial 0xad93d23594c935a9,
// reflected input and output, initial value 0, no final xor. Check value: "123456789" ->
// 0xe9c6d914c4b8d9ca.
#pragma once

#include <cstdint>
#include <string_view>

namespace ember::persist {

// Continues a CRC over `data`; start with crc = 0.
uint64_t Crc64(uint64_t crc, std::string_view data);

}  // namespace ember::persist
