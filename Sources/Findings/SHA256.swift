import CCrypto

/// SHA-256 through the system's libcrypto.
public enum SHA256 {
  /// The 32-byte digest of `bytes`.
  public static func digest(_ bytes: [UInt8]) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: 32)
    let ok = bytes.withUnsafeBytes { input in
      out.withUnsafeMutableBufferPointer { cvebuster_sha256(input.baseAddress, input.count, $0.baseAddress) }
    }
    precondition(ok == 1, "libcrypto SHA-256 failed")
    return out
  }

  /// Lower-case hex of `digest(bytes)`.
  public static func hexDigest(_ bytes: [UInt8]) -> String {
    digest(bytes).map { byte in
      let hex = String(byte, radix: 16)
      return byte < 16 ? "0" + hex : hex
    }.joined()
  }
}
