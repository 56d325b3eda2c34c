#pragma once
// SecretBox port: seals secrets (git tokens) for storage at rest.

#include <string>
#include <string_view>

#include "libsync/result.hpp"

namespace libsync {

/// Authenticated encryption of small secrets. The sealed text names the key it was sealed
/// with, so keys can be rotated: Seal always uses the current key, Open accepts any key
/// the box still knows. `associated_data` is bound to the ciphertext (the project id), so a
/// sealed token copied to another project fails to open.
///
/// Implementations must be safe for concurrent calls.
class SecretBox {
 public:
  virtual ~SecretBox() = default;

  /// Expected errors: none (kInternal if the crypto library fails).
  virtual Result<std::string> Seal(std::string_view plaintext,
                                   std::string_view associated_data) = 0;

  /// Expected errors: kNotFound (sealed with a key this box does not hold),
  /// kInvalidArgument (malformed, tampered with, or bound to other associated data).
  virtual Result<std::string> Open(std::string_view sealed,
                                   std::string_view associated_data) = 0;
};

}  // namespace libsync
