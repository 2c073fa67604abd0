#pragma once
// The spool's file format: one queued object per file, "<sequence>.op" in the spool directory,
// written to a temporary name, flushed to disk and renamed, so that a file is whole or absent.
//
//   firstmile-spool 1\n
//   kind put\n            (or delete)
//   lane live%2Fcam\n     (values percent-encoded)
//   key ...\n  type ...\n  cache ...\n  after 1\n  not_before 0\n  size 1234\n
//   \n
//   <size bytes of body>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "storage/object_op.hpp"

namespace firstmile::storage {

std::string encode_spool_entry(const ObjectOp& op);
// Refuses anything that encode_spool_entry would not have written (a truncated file among
// them). With `header_only`, `data` may stop anywhere after the header: the body is not read,
// and `body_size` tells its length.
Result<ObjectOp> decode_spool_entry(std::string_view data, bool header_only = false,
                                    uint64_t* body_size = nullptr);

// "<dir>/00000000000000000042.op"
std::filesystem::path spool_path(const std::filesystem::path& dir, uint64_t sequence);
// The sequence of a spool file's name; nullopt for any other name.
std::optional<uint64_t> spool_sequence(const std::filesystem::path& file);

}  // namespace firstmile::storage
