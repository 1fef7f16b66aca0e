// SHA-256 (OpenSSL EVP) for content addressing, pins and the audit chain.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace kda {

/// Incremental SHA-256; `hex()` finishes and returns 64 lowercase hex digits.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  Sha256& update(const void* data, size_t size);
  Sha256& update(std::string_view s) { return update(s.data(), s.size()); }
  /// Adds a length-prefixed field so that ("ab","c") and ("a","bc") hash differently.
  Sha256& field(std::string_view s);
  std::string hex();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string sha256_hex(std::string_view data);
std::string sha256_hex(const void* data, size_t size);
/// Hash of a file's bytes; throws kda::Error(kNotFound) when it cannot be read.
std::string sha256_file(const std::filesystem::path& path);

}  // namespace kda
