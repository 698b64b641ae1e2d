import DealRules
import Foundation
import Testing
@testable import DealRulesREPL

let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

let today = Day(year: 2026, month: 12, day: 1)!

/// A session on the Northwind samples, deciding as of 2026-12-01, keeping nothing.
func northwindSession(state: StateFolder? = nil) -> Session {
    Session(paths: [packageRoot.appendingPathComponent("samples/northwind").path],
            options: Session.Options(today: today, state: state))
}

/// A new empty folder, inside one folder per test run that is removed when the run ends.
func temporaryDirectory() throws -> URL {
    let url = testRunFolder.appendingPathComponent(UUID().uuidString)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

private let testRunFolder: URL = {
    atexit { try? FileManager.default.removeItem(at: runFolder(getpid())) }
    return runFolder(getpid())
}()

private func runFolder(_ pid: pid_t) -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("repl-tests-\(pid)")
}

extension Session {
    /// Runs each input in turn; returns the last reply.
    @discardableResult
    func type(_ inputs: String...) -> Reply {
        var last = Reply("")
        for i in inputs { last = run(i) }
        return last
    }
}

/// A small rule set in a temporary folder, to edit on disk.
@discardableResult
func writeRules(_ text: String, in dir: URL, name: String = "r.rules") throws -> URL {
    let url = dir.appendingPathComponent(name)
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url
}

let smallRules = """
    choice region: US, EU
    deal {
      region: region
      discount: percent
      services: list of service
    }
    item service { seats: number }
    catalog service {
      "SIEM" seats: 10
    }
    approval finance_approval: "Finance"
    approval delivery_approval: "Service Delivery"
    rule deep_discount:
      require finance_approval when discount > 20%
    rule off_catalog:
      require delivery_approval when service not in catalog

    """

/// The session's deal saved with `:save` to a new file; its path.
func saved(_ s: Session) throws -> String {
    let path = try temporaryDirectory().appendingPathComponent("deal.json").path
    #expect(!s.run(":save \(path)").failed)
    return path
}
