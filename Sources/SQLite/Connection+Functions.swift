import CSQLite

/// A deterministic SQL function of text arguments returning an integer, kept alive by SQLite.
private final class IntegerFunction {
  let body: ([String]) -> Int64
  init(_ body: @escaping ([String]) -> Int64) { self.body = body }
}

extension Connection {
  /// Defines `name(text, …)` with `argumentCount` arguments on this connection: deterministic
  /// and innocuous (usable in indexes, views and migrations). NULL arguments read as "".
  public func defineIntegerFunction(
    _ name: String, argumentCount: Int32, _ body: @escaping ([String]) -> Int64
  ) throws(SQLiteError) {
    let box = Unmanaged.passRetained(IntegerFunction(body)).toOpaque()
    let rc = sqlite3_create_function_v2(
      handle, name, argumentCount, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, box,
      { context, count, arguments in
        let function = Unmanaged<IntegerFunction>.fromOpaque(sqlite3_user_data(context)!).takeUnretainedValue()
        let texts = (0..<Int(count)).map { index -> String in
          guard let value = arguments?[index], let text = sqlite3_value_text(value) else { return "" }
          return String(cString: text)
        }
        sqlite3_result_int64(context, function.body(texts))
      }, nil, nil,
      { box in if let box { Unmanaged<IntegerFunction>.fromOpaque(box).release() } })
    guard rc == SQLITE_OK else { throw error(code: rc, sql: nil) }
  }
}
