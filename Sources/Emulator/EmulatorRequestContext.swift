import Hummingbird
import NIOCore

#if canImport(Glibc)
  import Glibc
#endif

/// Hummingbird's request context plus the connection, so an injected fault can drop it.
public struct EmulatorRequestContext: RequestContext {
  public var coreContext: CoreRequestContextStorage
  /// The client's connection.
  let channel: any Channel

  public init(source: ApplicationRequestContextSource) {
    coreContext = .init(source: source)
    channel = source.channel
  }

  /// Closes the connection at once with a TCP reset and no response.
  func resetConnection() async {
    if let provider = channel as? any SocketOptionProvider {
      try? await provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
    }
    try? await channel.close()
  }
}
