import Crypto
import Foundation

// SHA-256 comes from swift-crypto (BoringSSL's assembly on Linux, CryptoKit on Apple platforms).
// The store only adds the text form that registry entries and `sha256sum` use.

extension SHA256Digest {
    /// The digest as 64 lower-case hexadecimal characters, as printed by `sha256sum` and stored in
    /// `ModelSpec.sha256`.
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(2 * SHA256Digest.byteCount)
        for byte in self {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// Lower-case hexadecimal SHA-256 (FIPS 180-4) of `bytes`, as printed by `sha256sum`.
func sha256Hex<C: ContiguousBytes>(_ bytes: C) -> String {
    bytes.withUnsafeBytes { SHA256.hash(data: $0).hexString }
}
