import Findings
import Foundation
import Intake
import OutboxTestSupport

/// The outcome for one record of an input, as enqueue would see it.
struct ReadOutcome {
  let location: RecordLocation
  let finding: ValidFinding?
  let errors: [FieldError]
}

/// Runs `bytes` through the streaming reader and the validator.
func readAndValidate(_ bytes: [UInt8], source: String = "input.json") throws -> [ReadOutcome] {
  let directory = TemporaryDirectory()
  let path = directory.write("input", bytes: bytes)
  let descriptor = open(path, O_RDONLY)
  defer { close(descriptor) }
  var reader = RecordReader(fileDescriptor: descriptor, source: source)
  let validator = FindingValidator()
  var outcomes: [ReadOutcome] = []
  while let event = try reader.next() {
    switch event {
    case .record(let location, let recordBytes):
      switch validator.validate(bytes: recordBytes) {
      case .success(let finding): outcomes.append(ReadOutcome(location: location, finding: finding, errors: []))
      case .failure(let rejection): outcomes.append(ReadOutcome(location: location, finding: nil, errors: rejection.errors))
      }
    case .malformed(let location, let reason, _):
      outcomes.append(ReadOutcome(location: location, finding: nil, errors: [FieldError(field: nil, reason: reason)]))
    }
  }
  return outcomes
}

func readAndValidate(_ text: String, source: String = "input.json") throws -> [ReadOutcome] {
  try readAndValidate(Array(text.utf8), source: source)
}
