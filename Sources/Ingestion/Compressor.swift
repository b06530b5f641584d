import CDeflate
import CZlib

/// Why a body could not be compressed or decompressed.
public struct CompressionError: Error, Sendable, CustomStringConvertible {
  public let description: String
}

/// Which gzip implementation compresses request bodies.
public enum CompressorKind: String, Sendable, CaseIterable {
  /// libdeflate (Debian libdeflate-dev): whole-buffer, the measured winner (see docs/delivery.md).
  case libdeflate
  /// zlib (Debian zlib1g-dev), streaming.
  case zlib
}

/// A gzip compressor for whole request bodies. Not thread-safe: one per worker thread.
public final class GzipCompressor {
  public let kind: CompressorKind
  public let level: Int32
  private var deflater: OpaquePointer?

  /// A compressor at `level` (1–9 for zlib, 1–12 for libdeflate).
  public init(kind: CompressorKind = .libdeflate, level: Int32 = 6) {
    self.kind = kind
    self.level = level
    if kind == .libdeflate { deflater = libdeflate_alloc_compressor(level) }
  }

  deinit {
    if let deflater { libdeflate_free_compressor(deflater) }
  }

  /// The gzip member (RFC 1952) of `input`, written into `output` (replacing its contents).
  public func compress(_ input: [UInt8], into output: inout [UInt8]) throws(CompressionError) {
    switch kind {
    case .libdeflate: try compressLibdeflate(input, into: &output)
    case .zlib: try compressZlib(input, into: &output)
    }
  }

  /// Convenience: the gzip member of `input`.
  public func compress(_ input: [UInt8]) throws(CompressionError) -> [UInt8] {
    var out: [UInt8] = []
    try compress(input, into: &out)
    return out
  }

  private func compressLibdeflate(_ input: [UInt8], into output: inout [UInt8]) throws(CompressionError) {
    guard let deflater else { throw CompressionError(description: "libdeflate: could not allocate a compressor") }
    let bound = libdeflate_gzip_compress_bound(deflater, input.count)
    if output.count < bound { output = [UInt8](repeating: 0, count: bound) }
    let written = input.withUnsafeBytes { src in
      output.withUnsafeMutableBytes { dst in
        libdeflate_gzip_compress(deflater, src.baseAddress, src.count, dst.baseAddress, dst.count)
      }
    }
    guard written > 0 else { throw CompressionError(description: "libdeflate: output buffer too small") }
    output.removeSubrange(written...)
  }

  private func compressZlib(_ input: [UInt8], into output: inout [UInt8]) throws(CompressionError) {
    var stream = z_stream()
    guard cvebuster_deflate_init_gzip(&stream, level) == Z_OK else {
      throw CompressionError(description: "zlib: deflateInit2 failed")
    }
    defer { deflateEnd(&stream) }
    let bound = Int(deflateBound(&stream, uLong(input.count)))
    if output.count < bound { output = [UInt8](repeating: 0, count: bound) }
    let status = input.withUnsafeBytes { src in
      output.withUnsafeMutableBytes { dst -> Int32 in
        stream.next_in = UnsafeMutablePointer(mutating: src.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(src.count)
        stream.next_out = dst.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.avail_out = uInt(dst.count)
        return deflate(&stream, Z_FINISH)
      }
    }
    guard status == Z_STREAM_END else { throw CompressionError(description: "zlib: deflate returned \(status)") }
    output.removeSubrange(Int(stream.total_out)...)
  }
}

/// Decompresses a gzip member (zlib), refusing output above `limit` bytes.
public func gunzip(_ input: [UInt8], limit: Int = 64 << 20) throws(CompressionError) -> [UInt8] {
  var stream = z_stream()
  guard cvebuster_inflate_init_gzip(&stream) == Z_OK else {
    throw CompressionError(description: "zlib: inflateInit2 failed")
  }
  defer { inflateEnd(&stream) }
  var output: [UInt8] = []
  var chunk = [UInt8](repeating: 0, count: 64 << 10)
  var input = input
  var status: Int32 = Z_OK
  input.withUnsafeMutableBytes { src in
    stream.next_in = src.baseAddress?.assumingMemoryBound(to: Bytef.self)
    stream.avail_in = uInt(src.count)
    repeat {
      let produced = chunk.withUnsafeMutableBytes { dst -> Int in
        stream.next_out = dst.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.avail_out = uInt(dst.count)
        status = inflate(&stream, Z_NO_FLUSH)
        return dst.count - Int(stream.avail_out)
      }
      output.append(contentsOf: chunk[0..<produced])
    } while status == Z_OK && output.count <= limit
  }
  guard status == Z_STREAM_END else {
    throw CompressionError(description: output.count > limit ? "gunzip: output over \(limit) bytes" : "gunzip: corrupt data (\(status))")
  }
  return output
}
