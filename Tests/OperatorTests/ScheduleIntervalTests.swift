import Testing

@testable import Operator

@Test(
  .timeLimit(.minutes(10)),
  arguments: [
    ("hourly", ScheduleInterval.calendar("hourly")),
    ("  *:0/15 ", .calendar("*:0/15")),
    ("Mon..Fri 08:00", .calendar("Mon..Fri 08:00")),
    ("15min", .every(seconds: 900)),
    ("15 min", .every(seconds: 900)),
    ("2h", .every(seconds: 7_200)),
    ("1h 30min", .every(seconds: 5_400)),
    ("90s", .every(seconds: 90)),
    ("1d", .every(seconds: 86_400)),
  ])
func intervalsParse(text: String, expected: ScheduleInterval) throws {
  #expect(try ScheduleInterval(parsing: text) == expected)
}

@Test(.timeLimit(.minutes(10)), arguments: ["", "15", "30s", "hourly\nExecStart=/bin/sh", "100%", "-1h", "é"])
func badIntervalsAreRefusedWithTheValue(text: String) {
  #expect(throws: ScheduleError.self, "\(text.debugDescription)") { try ScheduleInterval(parsing: text) }
}

@Test(.timeLimit(.minutes(10))) func bareNumbersAskForAUnit() {
  do {
    _ = try ScheduleInterval(parsing: "15")
    Issue.record("expected an error")
  } catch {
    #expect("\(error)".contains("15min"))
  }
}

@Test(.timeLimit(.minutes(10)), arguments: [(900, "15min"), (5_400, "1h 30min"), (90, "1min 30s"), (86_400, "1d")])
func spansPrintInSystemdNotation(seconds: Int, text: String) {
  #expect(ScheduleInterval.span(seconds) == text)
}

@Test(
  "systemd-analyze accepts the calendar and period forms we emit", .timeLimit(.minutes(10)),
  .enabled(if: systemdAnalyze != nil, "systemd-analyze is not installed"))
func systemdReadsOurNotation() throws {
  for expression in ["hourly", "*:0/15", "Mon..Fri 08:00"] {
    let result = try run(systemdAnalyze!, ["calendar", expression])
    #expect(result.status == 0, "\(expression): \(result.stderr)")
  }
  for seconds in [900, 5_400, 90, 86_400] {
    let result = try run(systemdAnalyze!, ["timespan", ScheduleInterval.span(seconds)])
    #expect(result.status == 0)
    #expect(result.stdout.contains("\(seconds * 1_000_000)"), "\(result.stdout)")
  }
}
