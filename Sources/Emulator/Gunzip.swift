import CZlib

/// Why a `Content-Encoding: gzip` body could not be decompressed.
struct GunzipError: Error, Sendable {
  let reason: String
}

/// Decompresses a whole gzip member with zlib (the body arrives complete, at most 1 MiB on the wire).
enum Gunzip {
  /// - Parameter limit: largest output accepted; beyond it the body is refused (a zip bomb guard).
  static func decompress(_ input: [UInt8], limit: Int) throws(GunzipError) -> [UInt8] {
    // zlib's state points back at the z_stream: it lives at one heap address, ended and freed once.
    let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    stream.initialize(to: z_stream())
    defer {
      stream.deinitialize(count: 1)
      stream.deallocate()
    }
    guard cvebuster_inflate_init_gzip(stream) == Z_OK else { throw GunzipError(reason: "zlib could not start") }
    defer { inflateEnd(stream) }
    var output = [UInt8](repeating: 0, count: max(4096, min(limit, input.count * 8)))
    var produced = 0
    let status: Int32 = input.withUnsafeBufferPointer { inBuffer in
      stream.pointee.next_in = UnsafeMutablePointer(mutating: inBuffer.baseAddress)
      stream.pointee.avail_in = UInt32(inBuffer.count)
      while true {
        if produced == output.count {
          if output.count >= limit { return Z_MEM_ERROR }
          output.append(contentsOf: repeatElement(0, count: min(output.count, limit - output.count)))
        }
        let result: Int32 = output.withUnsafeMutableBufferPointer { outBuffer in
          stream.pointee.next_out = outBuffer.baseAddress! + produced
          stream.pointee.avail_out = UInt32(outBuffer.count - produced)
          let before = stream.pointee.avail_out
          let code = inflate(stream, Z_NO_FLUSH)
          produced += Int(before - stream.pointee.avail_out)
          return code
        }
        if result == Z_STREAM_END { return Z_STREAM_END }
        if result == Z_OK { continue }
        if result == Z_BUF_ERROR, produced == output.count, stream.pointee.avail_in > 0 { continue }  // grow
        return result == Z_BUF_ERROR ? Z_DATA_ERROR : result  // truncated or corrupt input
      }
    }
    switch status {
    case Z_STREAM_END:
      output.removeSubrange(produced...)
      return output
    case Z_MEM_ERROR: throw GunzipError(reason: "decompressed body is larger than \(limit) bytes")
    default: throw GunzipError(reason: "body is not valid gzip data")
    }
  }
}
