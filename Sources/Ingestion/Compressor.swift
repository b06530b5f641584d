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
  /// Reused output space, so compressing a body allocates nothing in steady state.
  private var scratch: [UInt8] = []

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
    if scratch.count < bound { scratch = [UInt8](repeating: 0, count: bound) }
    let written = input.withUnsafeBytes { src in
      scratch.withUnsafeMutableBytes { dst in
        libdeflate_gzip_compress(deflater, src.baseAddress, src.count, dst.baseAddress, dst.count)
      }
    }
    guard written > 0 else { throw CompressionError(description: "libdeflate: output buffer too small") }
    output.removeAll(keepingCapacity: true)
    output.append(contentsOf: scratch[0..<written])
  }

  private func compressZlib(_ input: [UInt8], into output: inout [UInt8]) throws(CompressionError) {
    // zlib keeps a pointer back to the z_stream in its state: it must not move between calls.
    guard let stream = ZStream(deflateLevel: level) else {
      throw CompressionError(description: "zlib: deflateInit2 failed")
    }
    let z = stream.pointer
    defer { withExtendedLifetime(stream) {} }  // freed only after the last use of `z`
    let bound = Int(deflateBound(z, uLong(input.count)))
    if scratch.count < bound { scratch = [UInt8](repeating: 0, count: bound) }
    let status = input.withUnsafeBytes { src in
      scratch.withUnsafeMutableBytes { dst -> Int32 in
        z.pointee.next_in = UnsafeMutablePointer(mutating: src.baseAddress?.assumingMemoryBound(to: Bytef.self))
        z.pointee.avail_in = uInt(src.count)
        z.pointee.next_out = dst.baseAddress?.assumingMemoryBound(to: Bytef.self)
        z.pointee.avail_out = uInt(dst.count)
        return deflate(z, Z_FINISH)
      }
    }
    guard status == Z_STREAM_END else { throw CompressionError(description: "zlib: deflate returned \(status)") }
    output.removeAll(keepingCapacity: true)
    output.append(contentsOf: scratch[0..<Int(z.pointee.total_out)])
  }
}

/// A zlib `z_stream` at a stable heap address, ended and freed exactly once (in `deinit`).
///
/// zlib's internal state points back at the `z_stream`; a Swift local passed with `&` may be
/// copied between calls, which zlib detects (`Z_STREAM_ERROR`) or, worse, does not.
final class ZStream {
  let pointer: UnsafeMutablePointer<z_stream>
  private let isDeflate: Bool

  private init?(deflate: Bool, start: (UnsafeMutablePointer<z_stream>) -> Int32) {
    pointer = .allocate(capacity: 1)
    pointer.initialize(to: z_stream())
    isDeflate = deflate
    guard start(pointer) == Z_OK else {
      pointer.deinitialize(count: 1)
      pointer.deallocate()
      return nil
    }
  }

  /// A gzip deflater at `level`.
  convenience init?(deflateLevel level: Int32) {
    self.init(deflate: true) { cvebuster_deflate_init_gzip($0, level) }
  }

  /// A gzip inflater.
  convenience init?(inflating: Void = ()) {
    self.init(deflate: false) { cvebuster_inflate_init_gzip($0) }
  }

  deinit {
    if isDeflate { deflateEnd(pointer) } else { inflateEnd(pointer) }
    pointer.deinitialize(count: 1)
    pointer.deallocate()
  }
}

/// Decompresses a gzip member (zlib), refusing output above `limit` bytes.
public func gunzip(_ input: [UInt8], limit: Int = 64 << 20) throws(CompressionError) -> [UInt8] {
  guard let stream = ZStream() else {
    throw CompressionError(description: "zlib: inflateInit2 failed")
  }
  let z = stream.pointer
  defer { withExtendedLifetime(stream) {} }  // freed only after the last use of `z`
  var output: [UInt8] = []
  var chunk = [UInt8](repeating: 0, count: 64 << 10)
  var input = input
  var status: Int32 = Z_OK
  input.withUnsafeMutableBytes { src in
    z.pointee.next_in = src.baseAddress?.assumingMemoryBound(to: Bytef.self)
    z.pointee.avail_in = uInt(src.count)
    repeat {
      let produced = chunk.withUnsafeMutableBytes { dst -> Int in
        z.pointee.next_out = dst.baseAddress?.assumingMemoryBound(to: Bytef.self)
        z.pointee.avail_out = uInt(dst.count)
        status = inflate(z, Z_NO_FLUSH)
        return dst.count - Int(z.pointee.avail_out)
      }
      output.append(contentsOf: chunk[0..<produced])
    } while status == Z_OK && output.count <= limit
  }
  guard status == Z_STREAM_END else {
    throw CompressionError(description: output.count > limit ? "gunzip: output over \(limit) bytes" : "gunzip: corrupt data (\(status))")
  }
  return output
}
