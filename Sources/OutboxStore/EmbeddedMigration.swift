/// A schema migration compiled into the binary from `Migrations/NNNN_name.sql`.
public struct EmbeddedMigration: Sendable {
  public let version: Int
  public let name: String
  public let fileName: String
  public let sql: String

  public init(version: Int, name: String, fileName: String, sql: String) {
    self.version = version
    self.name = name
    self.fileName = fileName
    self.sql = sql
  }
}
