import Foundation
import OutboxTestSupport
import Testing

@testable import Operator

func entry(_ interval: String = "hourly", binary: String = "/usr/local/bin/cvebuster-outbox", config: String? = nil, db: String? = nil)
  throws -> CronEntry
{
  try CronEntry(
    interval: interval, binary: binary, configFile: config, database: db,
    lockFile: "/var/lib/cvebuster/drain.lock", logFile: "/var/log/cvebuster/drain.log")
}

@Test(.timeLimit(.minutes(10))) func lineHasFiveFieldsAFlockGuardAndALogFile() throws {
  let line = try entry(config: "/etc/cvebuster-outbox/connector_config.json", db: "/var/lib/cvebuster/outbox.sqlite").line
  #expect(
    line
      == "0 * * * * CVEBUSTER_OUTBOX_DB=/var/lib/cvebuster/outbox.sqlite flock -n /var/lib/cvebuster/drain.lock "
      + "/usr/local/bin/cvebuster-outbox drain --config /etc/cvebuster-outbox/connector_config.json "
      + ">> /var/log/cvebuster/drain.log 2>&1")
  let shape = /^(\S+ ){5}(CVEBUSTER_OUTBOX_DB=\S+ )?flock -n \S+ \S+ drain( --config \S+)? >> \S+ 2>&1$/
  #expect(try shape.wholeMatch(in: line) != nil)
  #expect(!line.contains("\n"))
}

@Test(
  .timeLimit(.minutes(10)),
  arguments: [
    ("hourly", "0 * * * *"), ("daily", "0 0 * * *"), ("15min", "*/15 * * * *"), ("1min", "* * * * *"),
    ("1h", "0 * * * *"), ("6h", "0 */6 * * *"), ("24h", "0 0 * * *"), ("@hourly", "@hourly"),
    ("5 8 * * 1-5", "5 8 * * 1-5"), (" */10  *  * * * ", "*/10 * * * *"),
  ])
func intervalsBecomeCronFields(interval: String, fields: String) throws {
  let cron = try entry(interval)
  #expect(cron.schedule == fields)
  #expect(cron.line.hasPrefix(fields + " flock -n "))
}

@Test(.timeLimit(.minutes(10)), arguments: ["7min", "5h", "*:0/15", "1 2 3", "0 * * * * ;rm", "90s"])
func intervalsCronCannotExpressAreRefused(interval: String) {
  #expect(throws: ScheduleError.self) { try entry(interval) }
}

@Test(.timeLimit(.minutes(10))) func oddPathsAreQuotedAndPercentEscaped() throws {
  let line = try entry(binary: "/opt/it's 100%/cvebuster-outbox").line
  #expect(line.contains(#"'/opt/it'\''s 100\%/cvebuster-outbox' drain"#))
}

/// Runs the crontab line's command the way cron does (`/bin/sh -c`, after cron has turned `\%`
/// back into `%`): a second run while the first still holds the lock must not start the drain.
@Test(.timeLimit(.minutes(10)), .enabled(if: findExecutable("flock") != nil, "flock (util-linux) is not installed"))
func secondRunWhileTheFirstHoldsTheLockDoesNothing() throws {
  let temporary = TemporaryDirectory()
  let directory = temporary.url
  let calls = directory.appendingPathComponent("calls")
  let release = directory.appendingPathComponent("release")
  let binary = directory.appendingPathComponent("bin 100%/cvebuster-outbox")
  try writeScript(
    """
    echo "$CVEBUSTER_OUTBOX_DB $*" >> '\(calls.path)'
    echo "drain log line" >&2
    while [ ! -e '\(release.path)' ]; do sleep 0.05; done
    """, to: binary)
  let cron = try CronEntry(
    interval: "15min", binary: binary.path, configFile: "/etc/c.json", database: directory.path + "/outbox.sqlite",
    lockFile: directory.path + "/drain.lock", logFile: directory.path + "/drain.log")
  let command = String(cron.line.split(separator: " ", maxSplits: 5)[5]).replacingOccurrences(of: "\\%", with: "%")

  let first = Process()
  first.executableURL = URL(fileURLWithPath: "/bin/sh")
  first.arguments = ["-c", command]
  try first.run()
  // Wait, for at most a minute, until the first drain has started and holds the lock.
  let deadline = Date().addingTimeInterval(60)
  while (try? String(contentsOf: calls, encoding: .utf8))?.isEmpty ?? true {
    guard Date() < deadline else {
      try? Data().write(to: release)  // let the script's loop end, then stop the shell
      first.terminate()
      Issue.record("the first run did not start within a minute")
      return
    }
    usleep(20_000)
  }

  let second = try run("/bin/sh", ["-c", command])
  #expect(second.status == 1, "flock -n must give up at once: \(second.stderr)")
  try Data().write(to: release)
  first.waitUntilExit()
  #expect(first.terminationStatus == 0)

  let recorded = try String(contentsOf: calls, encoding: .utf8)
  #expect(recorded == "\(directory.path)/outbox.sqlite drain --config /etc/c.json\n")
  let log = try String(contentsOf: directory.appendingPathComponent("drain.log"), encoding: .utf8)
  #expect(log == "drain log line\n")
}
